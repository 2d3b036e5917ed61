using KafkaCompat.Network;
using KafkaCompat.Protocol.Messages;

namespace KafkaCompat.Broker.Tests.Broker;

/// <summary>An answer owns what its body points into until the frame carrying it is sent, and releases it exactly once.</summary>
public class ApiResponseTests
{
    [Test]
    public void AnAnswerNeverEncodedReleasesWhatItOwns()
    {
        var segment = new CountingResource();
        var answer = new ApiResponse(new FetchResponseData());
        answer.Own(segment, splicedBytes: 100);
        Assert.That(answer.SplicedRecordBytes, Is.EqualTo(100));

        answer.Dispose();
        answer.Dispose();
        Assert.That(segment.Disposals, Is.EqualTo(1));
    }

    [Test]
    public void OnceHandedToItsFrameTheFrameReleasesIt()
    {
        var segment = new CountingResource();
        var answer = new ApiResponse(new FetchResponseData());
        answer.Own(segment, splicedBytes: 0);
        var frame = ResponseFrame.Rent(8, 0, out _);

        answer.TransferTo(frame);
        answer.Dispose();
        Assert.That(segment.Disposals, Is.Zero, "the frame has not been sent yet");

        frame.Dispose();
        Assert.That(segment.Disposals, Is.EqualTo(1));
    }

    private sealed class CountingResource : IDisposable
    {
        public int Disposals { get; private set; }

        public void Dispose() => Disposals++;
    }
}
