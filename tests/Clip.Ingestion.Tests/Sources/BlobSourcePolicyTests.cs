using Clip.Ingestion.Events;
using Clip.Ingestion.Sources;

namespace Clip.Ingestion.Tests.Sources;

public sealed class BlobSourcePolicyTests
{
    private const string Account = "https://myaccount.blob.core.windows.net";

    private static readonly BlobSourcePolicy Policy = CreatePolicy();

    private static BlobSourcePolicy CreatePolicy(bool loopback = true, long maxBlobBytes = 1000)
    {
        var options = new BlobSourceOptions { AllowLoopbackForDevelopment = loopback, MaxBlobBytes = maxBlobBytes };
        options.AllowedContainers.Add(Account + "/images");
        options.AllowedContainers.Add("https://other.blob.core.windows.net:8443/scans");
        if (loopback)
        {
            options.AllowedContainers.Add("http://127.0.0.1:10000/devstoreaccount1/images");
        }

        return new BlobSourcePolicy(options);
    }

    private static BlobCreatedEvent Event(string url, string container = "images", string blobName = "cat.jpg", long? length = 10) =>
        new("e-1", new Uri(url, UriKind.RelativeOrAbsolute), container, blobName, "0x1", length, "image/jpeg", "PutBlob");

    [Theory]
    [InlineData(Account + "/images/cat.jpg", "cat.jpg")]
    [InlineData("https://MyAccount.Blob.Core.Windows.Net/images/cat.jpg", "cat.jpg")]
    [InlineData(Account + ":443/images/cat.jpg", "cat.jpg")]
    [InlineData(Account + "/images/cats/2024/tabby.jpg", "cats/2024/tabby.jpg")]
    [InlineData(Account + "/images/tabby%2001.jpg", "tabby 01.jpg")]
    [InlineData(Account + "/images/..cat.jpg", "..cat.jpg")]
    [InlineData("https://other.blob.core.windows.net:8443/scans/cat.jpg", "cat.jpg")]
    [InlineData("http://127.0.0.1:10000/devstoreaccount1/images/cat.jpg", "cat.jpg")]
    public void Validate_UrlInAllowedContainer_ReturnsSource(string url, string blobName)
    {
        var container = url.Contains("/scans/", StringComparison.Ordinal) ? "scans" : "images";

        var source = Policy.Validate(Event(url, container, blobName));

        Assert.Equal(container, source.Container);
        Assert.Equal(blobName, source.BlobName);
        Assert.Equal(url, source.BlobUri.OriginalString);
    }

    [Fact]
    public void Validate_MissingContentLength_IsAllowed()
    {
        var source = Policy.Validate(Event(Account + "/images/cat.jpg", length: null));

        Assert.Equal("cat.jpg", source.BlobName);
    }

    [Fact]
    public void Validate_ContentLengthAtLimit_IsAllowed()
    {
        var source = Policy.Validate(Event(Account + "/images/cat.jpg", length: 1000));

        Assert.Equal("images", source.Container);
    }

    [Fact]
    public void Validate_ContentLengthOverLimit_RefusesTooLarge()
    {
        var ex = Assert.Throws<RefusedSourceException>(() => Policy.Validate(Event(Account + "/images/cat.jpg", length: 1001)));

        Assert.Equal(RefusedSourceReason.TooLarge, ex.ReasonCode);
    }

    [Theory]
    // Scheme.
    [InlineData("http://myaccount.blob.core.windows.net/images/cat.jpg", RefusedSourceReason.SchemeNotHttps)]
    [InlineData("ftp://myaccount.blob.core.windows.net/images/cat.jpg", RefusedSourceReason.SchemeNotHttps)]
    [InlineData("file:///etc/passwd", RefusedSourceReason.SchemeNotHttps)]
    [InlineData("https://127.0.0.1:10000/devstoreaccount1/images/cat.jpg", RefusedSourceReason.SchemeNotHttps)]
    // Host: exact match only.
    [InlineData("http://evil.com/images/cat.jpg", RefusedSourceReason.HostNotAllowed)]
    [InlineData("https://myaccount.blob.core.windows.net.evil.com/images/cat.jpg", RefusedSourceReason.HostNotAllowed)]
    [InlineData("https://evil.com/myaccount.blob.core.windows.net/images/cat.jpg", RefusedSourceReason.HostNotAllowed)]
    [InlineData("https://evilmyaccount.blob.core.windows.net/images/cat.jpg", RefusedSourceReason.HostNotAllowed)]
    [InlineData("https://x.myaccount.blob.core.windows.net/images/cat.jpg", RefusedSourceReason.HostNotAllowed)]
    [InlineData("https://myaccount.blob.core.windows.net./images/cat.jpg", RefusedSourceReason.HostNotAllowed)]
    [InlineData("https://otheraccount.blob.core.windows.net/images/cat.jpg", RefusedSourceReason.HostNotAllowed)]
    // IP addresses.
    [InlineData("https://169.254.169.254/images/cat.jpg", RefusedSourceReason.IpHost)]
    [InlineData("https://10.0.0.5/images/cat.jpg", RefusedSourceReason.IpHost)]
    [InlineData("https://[::1]:10000/devstoreaccount1/images/cat.jpg", RefusedSourceReason.IpHost)]
    [InlineData("https://2130706433/images/cat.jpg", RefusedSourceReason.IpHost)]
    // Userinfo.
    [InlineData("https://user:pass@myaccount.blob.core.windows.net/images/cat.jpg", RefusedSourceReason.UserInfo)]
    [InlineData("https://myaccount.blob.core.windows.net@evil.com/images/cat.jpg", RefusedSourceReason.UserInfo)]
    // Ports.
    [InlineData(Account + ":8443/images/cat.jpg", RefusedSourceReason.PortNotAllowed)]
    [InlineData("https://other.blob.core.windows.net/scans/cat.jpg", RefusedSourceReason.PortNotAllowed)]
    [InlineData("http://127.0.0.1:10001/devstoreaccount1/images/cat.jpg", RefusedSourceReason.PortNotAllowed)]
    // Containers.
    [InlineData(Account + "/secrets/cat.jpg", RefusedSourceReason.ContainerNotAllowed)]
    [InlineData(Account + "/Images/cat.jpg", RefusedSourceReason.ContainerNotAllowed)]
    [InlineData(Account + "/%69mages/cat.jpg", RefusedSourceReason.ContainerNotAllowed)]
    [InlineData(Account + "/scans/cat.jpg", RefusedSourceReason.ContainerNotAllowed)]
    [InlineData("http://127.0.0.1:10000/otheraccount/images/cat.jpg", RefusedSourceReason.ContainerNotAllowed)]
    [InlineData("http://127.0.0.1:10000/images/cat.jpg", RefusedSourceReason.ContainerNotAllowed)]
    // Path tricks.
    [InlineData(Account + "/images/../secrets/cat.jpg", RefusedSourceReason.InvalidPath)]
    [InlineData(Account + "/secrets/../images/cat.jpg", RefusedSourceReason.InvalidPath)]
    [InlineData(Account + "/images/./cat.jpg", RefusedSourceReason.InvalidPath)]
    [InlineData(Account + "/images/%2e%2e/secrets/cat.jpg", RefusedSourceReason.InvalidPath)]
    [InlineData(Account + "/images/%2E%2E/secrets/cat.jpg", RefusedSourceReason.InvalidPath)]
    [InlineData(Account + "/images/.%2e/secrets/cat.jpg", RefusedSourceReason.InvalidPath)]
    [InlineData(Account + "/images/..%2fsecrets%2fcat.jpg", RefusedSourceReason.InvalidPath)]
    [InlineData(Account + "/images/cats%2Fcat.jpg", RefusedSourceReason.InvalidPath)]
    [InlineData(Account + "/images/cats%5Ccat.jpg", RefusedSourceReason.InvalidPath)]
    [InlineData(Account + "/images\\cat.jpg", RefusedSourceReason.InvalidPath)]
    [InlineData(Account + "/images/..\\secrets\\cat.jpg", RefusedSourceReason.InvalidPath)]
    [InlineData(Account + "//images/cat.jpg", RefusedSourceReason.InvalidPath)]
    [InlineData(Account + "/images//cat.jpg", RefusedSourceReason.InvalidPath)]
    [InlineData(Account + "/images/cat.jpg/", RefusedSourceReason.InvalidPath)]
    [InlineData(Account + "/images/%252e%252e/cat.jpg", RefusedSourceReason.InvalidPath)]
    [InlineData(Account + "/images/cat%00.jpg", RefusedSourceReason.InvalidPath)]
    [InlineData(Account + "/images/cat%0a.jpg", RefusedSourceReason.InvalidPath)]
    // Query strings and fragments.
    [InlineData(Account + "/images/cat.jpg?sv=2020-08-04&sig=abc", RefusedSourceReason.QueryOrFragment)]
    [InlineData(Account + "/images/cat.jpg#frag", RefusedSourceReason.QueryOrFragment)]
    [InlineData(Account + "/images/cat.jpg?", RefusedSourceReason.QueryOrFragment)]
    // Blob name.
    [InlineData(Account + "/images", RefusedSourceReason.BlobNameEmpty)]
    [InlineData(Account + "/images/", RefusedSourceReason.BlobNameEmpty)]
    [InlineData(Account, RefusedSourceReason.BlobNameEmpty)]
    public void Validate_HostileUrl_RefusesWithReason(string url, string reasonCode)
    {
        var ex = Assert.Throws<RefusedSourceException>(() => Policy.Validate(Event(url)));

        Assert.Equal(reasonCode, ex.ReasonCode);
    }

    [Theory]
    // Length outranks everything.
    [InlineData("https://169.254.169.254/images/{long}", RefusedSourceReason.UrlTooLong)]
    // Not a web URL at all, before its host is looked at.
    [InlineData("file://evil.com/etc/passwd", RefusedSourceReason.SchemeNotHttps)]
    [InlineData("ftp://user@169.254.169.254/images/cat.jpg", RefusedSourceReason.SchemeNotHttps)]
    // Who it talks to outranks how.
    [InlineData("http://user@myaccount.blob.core.windows.net/images/cat.jpg", RefusedSourceReason.UserInfo)]
    [InlineData("http://169.254.169.254/latest/meta-data/iam", RefusedSourceReason.IpHost)]
    [InlineData("http://169.254.169.254:8080/images/cat.jpg?x=1", RefusedSourceReason.IpHost)]
    [InlineData("http://evil.com:8080/images/../cat.jpg", RefusedSourceReason.HostNotAllowed)]
    [InlineData("https://evil.com/images\\cat.jpg?sig=1", RefusedSourceReason.HostNotAllowed)]
    // How outranks what it reads.
    [InlineData("http://myaccount.blob.core.windows.net/secrets/cat.jpg", RefusedSourceReason.SchemeNotHttps)]
    [InlineData("https://myaccount.blob.core.windows.net:8443/images/cat.jpg?sig=1", RefusedSourceReason.PortNotAllowed)]
    // The path's form before the container it names; the container before the blob name.
    [InlineData(Account + "/secrets/cat.jpg?sig=1", RefusedSourceReason.QueryOrFragment)]
    [InlineData(Account + "/secrets/../cat.jpg", RefusedSourceReason.InvalidPath)]
    [InlineData(Account + "/secrets/{name}", RefusedSourceReason.ContainerNotAllowed)]
    public void Validate_UrlBreakingSeveralRules_RefusesForTheMostImportant(string template, string reasonCode)
    {
        var url = template
            .Replace("{long}", new string('a', BlobSourcePolicy.MaxUrlLength), StringComparison.Ordinal)
            .Replace("{name}", new string('n', BlobSourcePolicy.MaxBlobNameLength + 1), StringComparison.Ordinal);

        var ex = Assert.Throws<RefusedSourceException>(() => Policy.Validate(Event(url)));

        Assert.Equal(reasonCode, ex.ReasonCode);
    }

    [Fact]
    public void Validate_BlobNameOverAzuresLimit_RefusesBlobNameTooLong()
    {
        var name = new string('n', BlobSourcePolicy.MaxBlobNameLength + 1);

        var ex = Assert.Throws<RefusedSourceException>(() => Policy.Validate(Event($"{Account}/images/{name}", blobName: "other.jpg", length: 1001)));

        // Ahead of the event's mismatched name and its size.
        Assert.Equal(RefusedSourceReason.BlobNameTooLong, ex.ReasonCode);
    }

    [Fact]
    public void Validate_BlobNameAtAzuresLimit_IsAllowed()
    {
        var name = "dir/" + new string('n', BlobSourcePolicy.MaxBlobNameLength - 4);

        var source = Policy.Validate(Event($"{Account}/images/{name}", blobName: name));

        Assert.Equal(name, source.BlobName);
    }

    [Fact]
    public void Validate_NonAsciiNameWhoseEncodedUrlIsTooLongToRecord_RefusesUrlTooLong()
    {
        // 300 characters that take 9 each percent-encoded (three UTF-8 bytes): within Azure's name limit, not within the URL's.
        var name = new string('\u20ac', 300);

        var ex = Assert.Throws<RefusedSourceException>(() => Policy.Validate(Event($"{Account}/images/{Uri.EscapeDataString(name)}", blobName: name)));

        Assert.Equal(RefusedSourceReason.UrlTooLong, ex.ReasonCode);
    }

    [Fact]
    public void Recordable_LongUrls_AreShortenedAndStayDistinct()
    {
        var first = $"{Account}/images/{new string('n', 100 * 1024)}";
        var second = first[..^1] + "m";

        var (a, b) = (BlobSourcePolicy.Recordable(first), BlobSourcePolicy.Recordable(second));

        Assert.True(a.Length < 512, a);
        Assert.StartsWith(Account + "/images/nnn", a, StringComparison.Ordinal);
        Assert.Contains($"({first.Length} characters, sha256:", a, StringComparison.Ordinal);
        Assert.NotEqual(a, b);
        Assert.Equal(Account + "/images/cat.jpg", BlobSourcePolicy.Recordable(Account + "/images/cat.jpg"));
    }

    [Fact]
    public void Validate_HundredKilobyteBlobName_RefusesUrlTooLong()
    {
        var name = new string('n', 100 * 1024);

        var ex = Assert.Throws<RefusedSourceException>(() => Policy.Validate(Event($"{Account}/images/{name}", blobName: name)));

        Assert.Equal(RefusedSourceReason.UrlTooLong, ex.ReasonCode);
    }

    [Fact]
    public void Validate_RelativeUri_RefusesNotAbsolute()
    {
        var ex = Assert.Throws<RefusedSourceException>(() => Policy.Validate(Event("/images/cat.jpg")));

        Assert.Equal(RefusedSourceReason.NotAbsolute, ex.ReasonCode);
    }

    [Theory]
    [InlineData("images", "dog.jpg")]
    [InlineData("secrets", "cat.jpg")]
    public void Validate_EventNamesDifferentBlobThanUrl_RefusesEventMismatch(string container, string blobName)
    {
        var ex = Assert.Throws<RefusedSourceException>(() => Policy.Validate(Event(Account + "/images/cat.jpg", container, blobName)));

        Assert.Equal(RefusedSourceReason.EventMismatch, ex.ReasonCode);
    }

    [Fact]
    public void Validate_LoopbackUrlWithoutDevelopmentFlag_IsRefused()
    {
        var policy = CreatePolicy(loopback: false);

        var ex = Assert.Throws<RefusedSourceException>(
            () => policy.Validate(Event("http://127.0.0.1:10000/devstoreaccount1/images/cat.jpg")));

        Assert.Equal(RefusedSourceReason.IpHost, ex.ReasonCode);
    }

    [Fact]
    public void Validate_NoAllowedContainers_RefusesEverything()
    {
        var policy = new BlobSourcePolicy(new BlobSourceOptions());

        var ex = Assert.Throws<RefusedSourceException>(() => policy.Validate(Event(Account + "/images/cat.jpg")));

        Assert.Equal(RefusedSourceReason.HostNotAllowed, ex.ReasonCode);
    }

    [Theory]
    [InlineData("http://myaccount.blob.core.windows.net/images", true)]
    [InlineData("http://127.0.0.1:10000/devstoreaccount1/images", false)]
    [InlineData("https://10.0.0.5/images", true)]
    [InlineData("https://myaccount.blob.core.windows.net", true)]
    [InlineData("https://myaccount.blob.core.windows.net/images/extra", true)]
    [InlineData("https://myaccount.blob.core.windows.net/images?sig=x", true)]
    [InlineData("https://user@myaccount.blob.core.windows.net/images", true)]
    [InlineData("http://127.0.0.1:10000/images", true)]
    [InlineData("myaccount.blob.core.windows.net/images", true)]
    public void Constructor_InvalidAllowedEntry_Throws(string entry, bool allowLoopback)
    {
        var options = new BlobSourceOptions { AllowLoopbackForDevelopment = allowLoopback };
        options.AllowedContainers.Add(entry);

        var ex = Assert.Throws<ArgumentException>(() => new BlobSourcePolicy(options));

        Assert.Contains(BlobSourceOptions.SectionName, ex.Message, StringComparison.Ordinal);
    }
}
