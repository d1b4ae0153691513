using System.Net;
using Clip.TestUtilities;
using SixLabors.ImageSharp;

namespace Clip.Review.Tests.Images;

[Collection(LabelledSamplesDefinition.Name)]
public sealed class ThumbnailTests(LabelledSamples samples) : IDisposable
{
    private readonly TemporaryDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task Thumbnail_ImageIdNotInTheDatabase_Returns404()
    {
        await using var server = await ReviewServer.StartAsync(samples.CopyDatabase(_temp));

        using var response = await server.Client.GetAsync(new Uri("/thumbnails/999999", UriKind.Relative));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Theory]
    [InlineData("/thumbnails/../../etc/passwd")]
    [InlineData("/thumbnails/..%2F..%2Fetc%2Fpasswd")]
    [InlineData("/thumbnails/%2Fetc%2Fpasswd")]
    [InlineData("/thumbnails/file:%2F%2F%2Fetc%2Fpasswd")]
    [InlineData("/thumbnails/file:///etc/passwd")]
    [InlineData("/thumbnails/-1")]
    [InlineData("/thumbnails/0")]
    [InlineData("/thumbnails/https%3A%2F%2Facct.blob.core.windows.net%2Fin%2Fshape.jpg")]
    [InlineData("/thumbnails/https://acct.blob.core.windows.net/in/shape.jpg")]
    [InlineData("/images/-1/view")]
    [InlineData("/images/%2Fetc%2Fpasswd/view")]
    public async Task Thumbnail_PathOrUrlInsteadOfAnImageId_IsRefusedAndReturnsNoFileContent(string path)
    {
        await using var server = await ReviewServer.StartAsync(samples.CopyDatabase(_temp));
        var unnormalised = new Uri(server.BaseAddress + path.TrimStart('/'), new UriCreationOptions { DangerousDisablePathAndQueryCanonicalization = true });

        using var response = await server.Client.GetAsync(unnormalised);
        var body = await response.Content.ReadAsByteArrayAsync();

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.DoesNotContain("root:", System.Text.Encoding.Latin1.GetString(body), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("white-heart.png", 256, 256)]
    [InlineData("black-cross.jpg", 256, 160)]
    [InlineData("yellow-star.jpg", 171, 256)]
    [InlineData("red-circle.png", 224, 224)] // never enlarged
    public async Task Thumbnail_LabelledImage_IsAJpegAtMost256PixelsASide(string file, int width, int height)
    {
        var database = samples.CopyDatabase(_temp);
        await using var server = await ReviewServer.StartAsync(database);

        using var response = await server.Client.GetAsync(new Uri($"/thumbnails/{Sql.ImageId(database, file)}", UriKind.Relative));
        var jpeg = await response.Content.ReadAsByteArrayAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("image/jpeg", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal([0xFF, 0xD8, 0xFF], jpeg[..3]);
        using var image = Image.Load(jpeg);
        Assert.Equal((width, height), (image.Width, image.Height));
    }

    [Fact]
    public async Task Thumbnail_SourceFileDeletedAfterLabelling_Returns422NotTheOldBytes()
    {
        var copy = _temp.CopyFrom(samples.Samples, "samples");
        var database = _temp.File("own.db");
        var label = await CliProcess.RunAsync("label", Path.Combine(copy, "red-star.png"), "--db", database, "--device", "cpu");
        Assert.True(label.ExitCode == 0, label.StandardError);
        File.Delete(Path.Combine(copy, "red-star.png"));
        await using var server = await ReviewServer.StartAsync(database);

        using var response = await server.Client.GetAsync(new Uri($"/thumbnails/{Sql.ImageId(database, "red-star.png")}", UriKind.Relative));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.NotEqual("image/jpeg", response.Content.Headers.ContentType?.MediaType);
    }
}
