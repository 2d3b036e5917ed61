using System.Text;

namespace KafkaCompat.Storage.Tests;

public class OffsetMapTests
{
    [Test]
    public void Get_AnswersTheLatestOffsetPutForAKey_AndMinusOneForAnUnknownKey()
    {
        var map = new OffsetMap(24 * 100, 0.9);
        map.Put(Key("a"), 3);
        map.Put(Key("b"), 4);
        map.Put(Key("a"), 7);

        Assert.That(map.Get(Key("a")), Is.EqualTo(7));
        Assert.That(map.Get(Key("b")), Is.EqualTo(4));
        Assert.That(map.Get(Key("c")), Is.EqualTo(-1));
        Assert.That(map.Count, Is.EqualTo(2));
        Assert.That(map.LatestOffset, Is.EqualTo(7));
    }

    [Test]
    public void TheMapHoldsMemoryTimesLoadFactorKeys_AndRefusesMore()
    {
        var map = new OffsetMap(24 * 10, 0.5);
        Assert.That(map.Capacity, Is.EqualTo(5));
        for (int i = 0; i < 5; i++)
        {
            map.Put(Key($"k{i}"), i);
        }

        Assert.That(map.IsFull, Is.True);
        map.Put(Key("k0"), 10);
        Assert.That(map.Get(Key("k0")), Is.EqualTo(10), "an existing key is updated even when full");
        Assert.Throws<InvalidOperationException>(() => map.Put(Key("new"), 11));
        for (int i = 1; i < 5; i++)
        {
            Assert.That(map.Get(Key($"k{i}")), Is.EqualTo(i));
        }
    }

    [Test]
    public void Clear_ForgetsEveryKey()
    {
        var map = new OffsetMap(24 * 10, 0.9);
        map.Put(Key("a"), 1);
        map.Clear();

        Assert.That(map.Get(Key("a")), Is.EqualTo(-1));
        Assert.That(map.Count, Is.Zero);
        Assert.That(map.LatestOffset, Is.EqualTo(-1));
    }

    [Test]
    public void ManyKeysInASmallTable_AllFoundAfterProbing()
    {
        var map = new OffsetMap(24 * 1000, 0.9);
        for (int i = 0; i < map.Capacity; i++)
        {
            map.Put(Key($"key-{i}"), 1000 + i);
        }

        for (int i = 0; i < map.Capacity; i++)
        {
            Assert.That(map.Get(Key($"key-{i}")), Is.EqualTo(1000 + i));
        }
    }

    private static byte[] Key(string key) => Encoding.UTF8.GetBytes(key);
}
