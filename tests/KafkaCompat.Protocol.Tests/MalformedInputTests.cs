using KafkaCompat.Protocol.Messages;

namespace KafkaCompat.Protocol.Tests;

/// <summary>Hostile bytes raise a protocol exception: never an out-of-bounds read, never an allocation sized by the attacker.</summary>
public class MalformedInputTests
{
    private static byte[] Hex(string hex) => Convert.FromHexString(hex.Replace(" ", ""));

    private static void AssertMalformed<T>(byte[] bytes, short version) where T : IKafkaMessage, new() =>
        Assert.Throws<MalformedMessageException>(() => KafkaMessages.Deserialize<T>(bytes, version));

    [Test]
    public void EveryTruncationOfARealRequestIsMalformed()
    {
        var frames = GoldenFrame.Load().Where(f => f.ApiKey is ApiKey.Produce or ApiKey.Metadata or ApiKey.JoinGroup).ToList();
        Assert.That(frames, Is.Not.Empty);
        foreach (var frame in frames)
        {
            for (var length = 0; length < frame.Body.Length; length++)
            {
                var slice = frame.Body[..length];
                var message = ApiKeys.NewRequest(frame.ApiKey);
                Assert.Throws<MalformedMessageException>(() =>
                {
                    var reader = new KafkaReader(slice);
                    message.Read(ref reader, frame.ApiVersion);
                }, $"{frame.File} cut at {length}");
            }
        }
    }

    [Test]
    public void NegativeLengths()
    {
        AssertMalformed<MetadataRequestData>(Hex("00000001 fffe"), 0);         // string length -2
        AssertMalformed<MetadataRequestData>(Hex("fffffffe"), 1);              // array length -2
        AssertMalformed<SaslAuthenticateRequestData>(Hex("fffffff0"), 0);     // bytes length -16
        AssertMalformed<MetadataRequestData>(Hex("ffffffff"), 0);              // null where v0 needs an array
    }

    [Test]
    public void HugeLengthsAreRefusedBeforeAllocating()
    {
        var before = GC.GetAllocatedBytesForCurrentThread();
        AssertMalformed<MetadataRequestData>(Hex("7fffffff 0001 61"), 0);            // 2^31-1 topics in 3 bytes
        AssertMalformed<MetadataRequestData>(Hex("00000001 7fff 61"), 0);            // 32767-byte name in 1 byte
        AssertMalformed<SaslAuthenticateRequestData>(Hex("7fffffff 00"), 0);        // 2 GiB of auth bytes
        AssertMalformed<ApiVersionsRequestData>(Hex("ffffffff0f 00"), 3);           // compact string length 2^32-2
        AssertMalformed<MetadataRequestData>(Hex("ffffffff07 0000 00"), 12);         // compact array of 2^31-2 topics
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.That(allocated, Is.LessThan(1 << 20), "nothing sized by the hostile lengths may be allocated");
    }

    [Test]
    public void OverflowingVarints()
    {
        AssertMalformed<ApiVersionsRequestData>(Hex("ffffffff7f 00 00"), 3);     // fifth byte above 0x0f: more than 32 bits
        AssertMalformed<ApiVersionsRequestData>(Hex("8080808080 01"), 3);        // six bytes
        AssertMalformed<ApiVersionsRequestData>(Hex("80"), 3);                   // continuation bit, then nothing
    }

    [Test]
    public void ATaggedFieldMustFillTheSizeItAnnounced()
    {
        // ApiVersionsResponse v3 with tag 1 (an int64) announced as 9 bytes.
        AssertMalformed<ApiVersionsResponseData>(Hex("0000 01 00000000 01 01 09 000000000000000500"), 3);
    }

    [Test]
    public void TrailingBytesAfterAMessageAreReported()
    {
        AssertMalformed<MetadataRequestData>(Hex("00000000 00"), 0);
    }

    [Test]
    public void RandomBytesNeverEscapeAsAnythingButProtocolErrors()
    {
        var random = new Random(20261121);
        foreach (var key in ApiKeys.All)
        {
            var range = ApiKeys.ValidVersions(key);
            for (var i = 0; i < 40; i++)
            {
                var bytes = new byte[random.Next(0, 64)];
                random.NextBytes(bytes);
                var version = (short)random.Next(range.Lowest, range.Highest + 1);
                var message = ApiKeys.NewRequest(key);
                try
                {
                    var reader = new KafkaReader(bytes);
                    message.Read(ref reader, version);
                }
                catch (KafkaProtocolException)
                {
                    // expected for most random inputs
                }
            }
        }
        Assert.Pass("no exception other than KafkaProtocolException escaped");
    }
}
