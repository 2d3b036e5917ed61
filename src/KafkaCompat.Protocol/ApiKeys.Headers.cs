namespace KafkaCompat.Protocol;

// Header version rules, which the specs do not state per API.
public static partial class ApiKeys
{
    public static bool IsFlexible(ApiKey key, short version) => FlexibleVersions(key).Contains(version);

    /// <summary>
    /// Request header v2 (with tagged fields) goes with flexible versions, v1 otherwise;
    /// ControlledShutdown v0 predates the client id and uses v0.
    /// </summary>
    public static short RequestHeaderVersion(ApiKey key, short version) =>
        key == ApiKey.ControlledShutdown && version == 0 ? (short)0
        : IsFlexible(key, version) ? (short)2 : (short)1;

    /// <summary>
    /// Response header v1 goes with flexible versions, v0 otherwise. ApiVersions
    /// always answers on v0 so that a client can read the reply (and the
    /// supported range) whatever version it tried.
    /// </summary>
    public static short ResponseHeaderVersion(ApiKey key, short version) =>
        key != ApiKey.ApiVersions && IsFlexible(key, version) ? (short)1 : (short)0;

    public static bool IsKnown(short key) => Enum.IsDefined((ApiKey)key);
}
