using System.Runtime.InteropServices;
using Confluent.Kafka;
using KafkaCompat.EosTrial;

Options options;
try
{
    options = Options.Parse(args);
}
catch (ArgumentException e)
{
    Console.Error.WriteLine(e.Message);
    return 2;
}

// The NuGet mirror has no librdkafka.redist: load the 2.15.1 build that test.sh puts in .deps/.
var librdkafka = Path.GetFullPath(options.Text("librdkafka", ".deps/librdkafka/librdkafka.so.1"));
NativeLibrary.SetDllImportResolver(typeof(Library).Assembly, (name, _, _) =>
    name.Contains("librdkafka", StringComparison.Ordinal) ? NativeLibrary.Load(librdkafka) : IntPtr.Zero);

try
{
    return options.Mode == "process"
        ? Processor.Run(ProcessorSettings.From(options))
        : await Trial.RunAsync(TrialSettings.From(options, librdkafka));
}
catch (ArgumentException e)
{
    Console.Error.WriteLine(e.Message);
    return 2;
}
