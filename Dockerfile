# KafkaCompat broker image. Build: docker build -t kafkacompat .
# Run:   docker run -p 9092:9092 kafkacompat
# Configure like the apache/kafka image: KAFKA_* environment variables map to
# server properties (KAFKA_ADVERTISED_LISTENERS -> advertised.listeners,
# a double underscore -> '_', a triple underscore -> '-').

FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY . .
RUN dotnet publish src/KafkaCompat.Server/KafkaCompat.Server.csproj -c Release -o /app

FROM mcr.microsoft.com/dotnet/aspnet:10.0
# The lz4 and zstd codecs are called through their native libraries.
RUN apt-get update \
 && apt-get install -y --no-install-recommends liblz4-1 libzstd1 \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY --from=build /app .
ENV KAFKA_LISTENERS=PLAINTEXT://0.0.0.0:9092 \
    KAFKA_ADVERTISED_LISTENERS=PLAINTEXT://localhost:9092 \
    KAFKA_LOG_DIRS=/var/lib/kafkacompat/data
VOLUME /var/lib/kafkacompat/data
EXPOSE 9092
STOPSIGNAL SIGTERM
ENTRYPOINT ["dotnet", "/app/kafkacompat.dll"]
