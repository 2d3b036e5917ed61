namespace KafkaCompat.Storage.Tests;

public class MemoryFileSystemTests
{
    [Test]
    public void ACrash_KeepsFlushedData_AndTheChosenPartOfATornWrite()
    {
        var fileSystem = new MemoryFileSystem();
        fileSystem.CreateDirectory("/d");
        ILogFile a = fileSystem.Open("/d/a", create: true);
        ILogFile b = fileSystem.Open("/d/b", create: true);
        a.Append([1, 2, 3]);
        a.Flush();
        a.Append([4, 5, 6]);
        b.Append([7, 8]);

        fileSystem.Crash("/d/a", 2);

        Assert.That(fileSystem.GetContent("/d/a"), Is.EqualTo(new byte[] { 1, 2, 3, 4, 5 }));
        Assert.That(fileSystem.GetContent("/d/b"), Is.Empty);
        Assert.That(() => a.Append([9]), Throws.InstanceOf<IOException>());
        Assert.That(fileSystem.ListFiles("/d"), Is.EqualTo(new[] { "/d/a", "/d/b" }));
    }

    [Test]
    public void RenameReplaces_AndDeleteDirectoryRemovesEverythingBelow()
    {
        var fileSystem = new MemoryFileSystem();
        fileSystem.CreateDirectory("/d/e");
        fileSystem.SetContent("/d/x.tmp", [1]);
        fileSystem.SetContent("/d/x", [2]);
        fileSystem.SetContent("/d/e/y", [3]);

        fileSystem.Rename("/d/x.tmp", "/d/x");

        Assert.That(fileSystem.GetContent("/d/x"), Is.EqualTo(new byte[] { 1 }));
        Assert.That(fileSystem.ListDirectories("/d"), Is.EqualTo(new[] { "/d/e" }));
        fileSystem.DeleteDirectory("/d");
        Assert.That(fileSystem.FileExists("/d/e/y") || fileSystem.DirectoryExists("/d/e"), Is.False);
    }
}
