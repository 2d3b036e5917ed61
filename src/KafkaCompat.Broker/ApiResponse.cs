using KafkaCompat.Network;
using KafkaCompat.Protocol;

namespace KafkaCompat.Broker;

/// <summary>
/// A handler's answer: the response body, and what the body points into (log segment bytes a
/// Fetch read), which the answer owns until the frame carrying it has been sent. Such record
/// bytes are not copied into the frame: Network writes them beside it.
/// </summary>
public sealed class ApiResponse(IApiMessage body) : IDisposable
{
    private List<IDisposable>? _owned;

    public IApiMessage Body { get; } = body;

    /// <summary>Bytes of record batches the body carries, sent beside the encoded frame instead of copied into it.</summary>
    public int SplicedRecordBytes { get; private set; }

    /// <summary>Keeps <paramref name="resource"/> alive as long as the answer; <paramref name="splicedBytes"/> of its bytes are record batches in the body.</summary>
    public void Own(IDisposable resource, int splicedBytes)
    {
        (_owned ??= []).Add(resource);
        SplicedRecordBytes += splicedBytes;
    }

    /// <summary>Hands what the answer owns to the frame that carries it, which releases it once sent.</summary>
    public void TransferTo(ResponseFrame frame)
    {
        foreach (var resource in _owned ?? [])
        {
            frame.Own(resource);
        }
        _owned = null;
    }

    public void Dispose()
    {
        foreach (var resource in _owned ?? [])
        {
            resource.Dispose();
        }
        _owned = null;
    }
}
