namespace Clip.Inference.Imaging;

/// <summary>
/// torchvision's center_crop of a resized image: the window of it that the crop keeps, as the resampler
/// writes it (interleaved, in the decoded layout), and where that window sits in the crop, the rest
/// being zero padding. Holds a pooled buffer until disposed.
/// </summary>
internal sealed class CenterCrop : IDisposable
{
    private readonly int _cropWidth;
    private readonly int _cropHeight;
    private readonly int _channels;
    private bool _premultiplied;
    private readonly int _offsetX;
    private readonly int _offsetY;
    private byte[]? _pixels;

    private CenterCrop(int cropWidth, int cropHeight, int channels, bool premultiplied, PixelWindow window, int offsetX, int offsetY)
    {
        _cropWidth = cropWidth;
        _cropHeight = cropHeight;
        _channels = channels;
        _premultiplied = premultiplied;
        _offsetX = offsetX;
        _offsetY = offsetY;
        Window = window;
        _pixels = System.Buffers.ArrayPool<byte>.Shared.Rent(window.Width * window.Height * channels);
    }

    /// <summary>The kept part of the resized image, in its coordinates.</summary>
    public PixelWindow Window { get; }

    /// <summary>The window's pixels, rows back to back, for the resampler to fill.</summary>
    public Span<byte> Pixels => _pixels.AsSpan(0, Window.Width * Window.Height * _channels);

    /// <summary>The crop of a <paramref name="width"/> × <paramref name="height"/> resized image; with <paramref name="premultiplied"/>, the pixels are RGBa, unpremultiplied as Pillow's RGBa → RGBA on output.</summary>
    public static CenterCrop For(int width, int height, int cropWidth, int cropHeight, int channels, bool premultiplied)
    {
        var left = Offset(width, cropWidth);
        var top = Offset(height, cropHeight);
        var (x0, y0) = (Math.Max(0, left), Math.Max(0, top));
        var window = new PixelWindow(x0, y0, Math.Min(width, left + cropWidth) - x0, Math.Min(height, top + cropHeight) - y0);
        return new CenterCrop(cropWidth, cropHeight, channels, premultiplied, window, x0 - left, y0 - top);
    }

    /// <summary>
    /// int(round((size - crop) / 2.0)) with Python's half-to-even rounding; a smaller image is
    /// first padded by (crop - size) // 2 before it, which puts it at that negative offset.
    /// </summary>
    internal static int Offset(int size, int crop) =>
        crop > size ? -((crop - size) / 2) : (int)Math.Round((size - crop) / 2.0, MidpointRounding.ToEven);

    /// <summary>The crop as a normalised float32 CHW tensor; padding is black.</summary>
    public void WriteTensor(Normalization normalization, Span<float> tensor)
    {
        Unpremultiply();
        var pixels = Pixels;
        var plane = _cropWidth * _cropHeight;
        for (var channel = 0; channel < 3; channel++)
        {
            var values = normalization.Table(channel);
            var target = tensor.Slice(channel * plane, plane);
            if (Window.Width != _cropWidth || Window.Height != _cropHeight)
            {
                target.Fill(values[0]);
            }

            for (var y = 0; y < Window.Height; y++)
            {
                var row = target.Slice(((y + _offsetY) * _cropWidth) + _offsetX, Window.Width);
                var from = (y * Window.Width * _channels) + channel;
                for (var x = 0; x < row.Length; x++, from += _channels)
                {
                    row[x] = values[pixels[from]];
                }
            }
        }
    }

    /// <summary>The crop as interleaved RGB, <c>crop width × crop height × 3</c>; padding is black.</summary>
    public void WriteRgb(Span<byte> rgb)
    {
        Unpremultiply();
        var pixels = Pixels;
        rgb.Clear();
        for (var y = 0; y < Window.Height; y++)
        {
            var to = (((y + _offsetY) * _cropWidth) + _offsetX) * 3;
            var from = y * Window.Width * _channels;
            for (var x = 0; x < Window.Width; x++, from += _channels, to += 3)
            {
                pixels.Slice(from, 3).CopyTo(rgb.Slice(to, 3));
            }
        }
    }

    public void Dispose()
    {
        if (_pixels is not null)
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(_pixels);
            _pixels = null;
        }
    }

    /// <summary>RGBa → RGBA on the window, once.</summary>
    private void Unpremultiply()
    {
        if (!_premultiplied)
        {
            return;
        }

        var pixels = Pixels;
        for (var i = 0; i < pixels.Length; i += 4)
        {
            for (var c = i; c < i + 3; c++)
            {
                pixels[c] = PixelPlanes.Unpremultiply(pixels[c], pixels[i + 3]);
            }
        }

        _premultiplied = false;
    }
}
