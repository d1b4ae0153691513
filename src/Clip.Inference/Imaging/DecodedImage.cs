using System.Buffers;
using System.Runtime.InteropServices;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace Clip.Inference.Imaging;

/// <summary>How Pillow would hold the decoded file, which decides how it resizes it.</summary>
internal enum PilMode
{
    /// <summary>RGB or L: every channel resampled with the configured filter.</summary>
    Rgb,

    /// <summary>RGBA or LA: resampled premultiplied by alpha, then unpremultiplied.</summary>
    Rgba,

    /// <summary>P or 1: Pillow always resizes palette images with nearest neighbour.</summary>
    Palette,
}

/// <summary>
/// An upright decoded frame as interleaved 8-bit samples: RGB (3 channels) or RGBA (4), the alpha of an
/// RGB or palette image being ignored. Holds a pooled buffer or the decoder's own image until disposed.
/// </summary>
internal sealed class DecodedImage : IDisposable
{
    // Frames up to this size come from a pool of their own that keeps at most one buffer per core in each size class
    // (a few MB per core in all). Up to NativeFrameThreshold they are plain arrays the GC reuses; larger ones, images
    // of hundreds of MB, are native memory freed on dispose: a burst of huge images must not leave the process holding them.
    private const int PooledFrameLimit = 4 << 20;
    private const int NativeFrameThreshold = 64 << 20;
    private static readonly ArrayPool<byte> FramePool = ArrayPool<byte>.Create(PooledFrameLimit, Environment.ProcessorCount);

    private byte[]? _rented;
    private NativeFrame? _native;
    private Image? _image;
    private readonly Memory<byte> _pixels;

    private DecodedImage(
        Memory<byte> pixels, int width, int height, int channels, PilMode mode, ImageSize source, byte[]? rented, Image? image, NativeFrame? native = null)
    {
        _pixels = pixels;
        Source = source;
        _rented = rented;
        _image = image;
        _native = native;
        Width = width;
        Height = height;
        Channels = channels;
        Mode = mode;
    }

    public int Width { get; }

    public int Height { get; }

    public int Channels { get; }

    public PilMode Mode { get; }

    /// <summary>The upright size of the full-resolution image; larger than <see cref="Width"/> × <see cref="Height"/> after a DCT-scaled decode.</summary>
    public ImageSize Source { get; }

    public ReadOnlySpan<byte> Pixels => _pixels.Span;

    /// <summary>The pixels, for the decoder that fills them.</summary>
    public Memory<byte> Memory => _pixels;

    /// <summary>An image whose pixels are a pooled buffer, or native memory when large, given back on dispose.</summary>
    public static DecodedImage Rent(int width, int height, int channels, PilMode mode, ImageSize? source = null)
    {
        var length = checked(width * height * channels);
        var size = source ?? new ImageSize(width, height);
        if (length > NativeFrameThreshold)
        {
            var native = new NativeFrame(length);
            return new DecodedImage(native.Memory, width, height, channels, mode, size, null, null, native);
        }

        if (length > PooledFrameLimit)
        {
            return new DecodedImage(GC.AllocateUninitializedArray<byte>(length), width, height, channels, mode, size, null, null);
        }

        var rented = FramePool.Rent(length);
        return new DecodedImage(rented.AsMemory(0, length), width, height, channels, mode, size, rented, null);
    }

    /// <summary>Takes ownership of an image whose pixels lie in one contiguous buffer; null if they do not.</summary>
    public static DecodedImage? Wrap<TPixel>(Image<TPixel> image, PilMode mode)
        where TPixel : unmanaged, IPixel<TPixel>
    {
        if (!image.DangerousTryGetSinglePixelMemory(out var memory))
        {
            return null;
        }

        var bytes = new CastMemoryManager<TPixel>(memory).Memory;
        return new DecodedImage(bytes, image.Width, image.Height, bytes.Length / (image.Width * image.Height), mode, new ImageSize(image.Width, image.Height), null, image);
    }

    public void Dispose()
    {
        if (_rented is not null)
        {
            FramePool.Return(_rented);
            _rented = null;
        }

        _image?.Dispose();
        _image = null;
        ((IDisposable?)_native)?.Dispose();
        _native = null;
    }

    /// <summary>A block of native memory as <see cref="Memory{T}"/>; freed, and so given back to the OS, on dispose.</summary>
    private sealed unsafe class NativeFrame(int length) : MemoryManager<byte>
    {
        private byte* _pointer = (byte*)NativeMemory.Alloc((nuint)length);

        public override Span<byte> GetSpan() =>
            _pointer is null ? throw new ObjectDisposedException(nameof(NativeFrame)) : new Span<byte>(_pointer, length);

        public override MemoryHandle Pin(int elementIndex = 0) => new(_pointer + elementIndex);

        public override void Unpin()
        {
        }

        protected override void Dispose(bool disposing)
        {
            NativeMemory.Free(_pointer);
            _pointer = null;
        }
    }

    /// <summary>Views a pixel memory as bytes without copying.</summary>
    private sealed class CastMemoryManager<TPixel>(Memory<TPixel> pixels) : MemoryManager<byte>
        where TPixel : unmanaged
    {
        public override Span<byte> GetSpan() => MemoryMarshal.AsBytes(pixels.Span);

        public override MemoryHandle Pin(int elementIndex = 0) => throw new NotSupportedException();

        public override void Unpin() => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
        }
    }
}
