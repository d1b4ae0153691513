using Clip.Inference.Imaging;
using Clip.TestUtilities;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace Clip.Inference.Tests.Imaging;

public sealed class DecodeMemoryBudgetTests
{
    private static readonly TimeSpan Moment = TimeSpan.FromMilliseconds(200);

    [Fact]
    public async Task Acquire_WithinTheBudget_IsGrantedAtOnceAndGivenBackOnDispose()
    {
        var budget = new DecodeMemoryBudget(100);

        var lease = await budget.AcquireAsync(60, CancellationToken.None);
        Assert.Equal(40, budget.Available);
        lease.Dispose();
        lease.Dispose();

        Assert.Equal(100, budget.Available);
    }

    [Fact]
    public async Task Acquire_WhenItDoesNotFit_WaitsInArrivalOrderSoASmallOneCannotOvertakeALargeOne()
    {
        var budget = new DecodeMemoryBudget(100);
        var held = await budget.AcquireAsync(80, CancellationToken.None);

        var large = budget.AcquireAsync(50, CancellationToken.None).AsTask();
        var small = budget.AcquireAsync(10, CancellationToken.None).AsTask();
        await Task.Delay(Moment);
        Assert.False(large.IsCompleted);
        Assert.False(small.IsCompleted, "a later small request waits behind the large one, though it would fit");

        held.Dispose();
        using var first = await large.WaitAsync(TimeSpan.FromSeconds(5));
        using var second = await small.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal(40, budget.Available);
    }

    [Fact]
    public async Task Acquire_CancelledWhileWaiting_ThrowsAndLetsTheNextOneThrough()
    {
        var budget = new DecodeMemoryBudget(100);
        var held = await budget.AcquireAsync(70, CancellationToken.None);
        using var cancel = new CancellationTokenSource();
        var blocked = budget.AcquireAsync(90, cancel.Token).AsTask();
        var next = budget.AcquireAsync(30, CancellationToken.None).AsTask();
        await Task.Delay(Moment);
        Assert.False(next.IsCompleted);

        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => blocked);
        using var granted = await next.WaitAsync(TimeSpan.FromSeconds(5));
        held.Dispose();
        Assert.Equal(70, budget.Available);
    }

    [Fact]
    public async Task Acquire_MoreThanTheWholeBudget_ThrowsInsteadOfWaitingForever()
    {
        var budget = new DecodeMemoryBudget(100);

        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => budget.AcquireAsync(101, CancellationToken.None).AsTask());
    }

    [Fact]
    public void DecodeCost_HugePng_CoversItsFullResolutionFrameFromTheHeaderAlone()
    {
        var preprocessor = new ImagePreprocessor(ReferenceFixtures.OpenAiConfig(224), new ImageLimits());
        const long Pixels = 6300L * 6300;

        var cost = preprocessor.DecodeCost(HostileImages.PngHeader(6300, 6300));

        Assert.InRange(cost, Pixels * 3, Pixels * 8);
    }

    [Fact]
    public void DecodeCost_LargeJpeg_IsAboutASixteenthInFastModeWhereLibjpegTurboDecodesAtAQuarterScale()
    {
        byte[] jpeg;
        using (var image = new Image<Rgb24>(4032, 3024, new Rgb24(90, 140, 200)))
        using (var stream = new MemoryStream())
        {
            image.SaveAsJpeg(stream);
            jpeg = stream.ToArray();
        }

        var exact = new ImagePreprocessor(ReferenceFixtures.OpenAiConfig(224), new ImageLimits { JpegDecode = JpegDecode.Exact }).DecodeCost(jpeg);
        var fast = new ImagePreprocessor(ReferenceFixtures.OpenAiConfig(224), new ImageLimits { JpegDecode = JpegDecode.Fast }).DecodeCost(jpeg);

        Assert.InRange(exact, 4032L * 3024 * 3, 4032L * 3024 * 4);
        Assert.InRange(fast, 1008L * 756 * 3, 4032L * 3024 * 3 / 8);
    }

    [Fact]
    public void DecodeCost_TooManyPixels_IsRefusedAsDecodingWouldBe()
    {
        var preprocessor = new ImagePreprocessor(ReferenceFixtures.OpenAiConfig(224), new ImageLimits());

        var e = Assert.Throws<ImageRejectedException>(() => preprocessor.DecodeCost(HostileImages.PngHeader(7000, 7000)));

        Assert.Equal(ImageRejectionReason.TooManyPixels, e.Reason);
    }
}
