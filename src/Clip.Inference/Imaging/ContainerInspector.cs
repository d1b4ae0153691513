using System.Buffers.Binary;
using SixLabors.ImageSharp.Formats;
using SixLabors.ImageSharp.Formats.Bmp;
using SixLabors.ImageSharp.Formats.Gif;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.Formats.Webp;

namespace Clip.Inference.Imaging;

/// <summary>
/// Walks a file's container structure without decoding pixels: counts animation frames
/// and refuses truncated files, which ImageSharp 2.1 would partly decode (padding the
/// rest with grey) where Pillow raises "image file is truncated".
/// </summary>
internal static class ContainerInspector
{
    /// <summary>Number of frames the file declares.</summary>
    /// <exception cref="ImageRejectedException">The structure is truncated or malformed.</exception>
    public static int CountFrames(IImageFormat format, ReadOnlySpan<byte> data) => format switch
    {
        JpegFormat => CheckJpeg(data),
        PngFormat => CountPngFrames(data),
        GifFormat => CountGifFrames(data),
        WebpFormat => CountWebpFrames(data),
        BmpFormat => CheckBmp(data),
        _ => 1,
    };

    private static int CheckJpeg(ReadOnlySpan<byte> data)
    {
        var offset = 2;
        while (offset + 4 <= data.Length)
        {
            if (data[offset] != 0xFF)
            {
                throw Truncated("JPEG", "a marker segment is malformed");
            }

            var marker = data[offset + 1];
            if (marker == 0xFF)
            {
                offset++;
                continue;
            }

            if (marker == 0x01 || marker is >= 0xD0 and <= 0xD7)
            {
                offset += 2;
                continue;
            }

            var segmentEnd = offset + 2 + BinaryPrimitives.ReadUInt16BigEndian(data[(offset + 2)..]);
            if (marker == 0xDA)
            {
                // Entropy-coded data escapes every 0xFF, so FF D9 after the first scan can only be the end marker.
                return segmentEnd <= data.Length && data[segmentEnd..].IndexOf([(byte)0xFF, (byte)0xD9]) >= 0
                    ? 1
                    : throw Truncated("JPEG", "the end-of-image marker is missing");
            }

            offset = segmentEnd;
        }

        throw Truncated("JPEG", "it ends before its image data");
    }

    private static int CheckBmp(ReadOnlySpan<byte> data)
    {
        const int BitmapInfoHeaderEnd = 14 + 40;
        if (data.Length < BitmapInfoHeaderEnd)
        {
            throw Truncated("BMP", "its headers are incomplete");
        }

        var compression = BinaryPrimitives.ReadUInt32LittleEndian(data[30..]);
        const uint Uncompressed = 0, BitFields = 3;
        if (compression is not (Uncompressed or BitFields))
        {
            return 1;
        }

        long pixelOffset = BinaryPrimitives.ReadUInt32LittleEndian(data[10..]);
        long width = BinaryPrimitives.ReadInt32LittleEndian(data[18..]);
        long height = Math.Abs((long)BinaryPrimitives.ReadInt32LittleEndian(data[22..]));
        long bitsPerPixel = BinaryPrimitives.ReadUInt16LittleEndian(data[28..]);
        var stride = ((width * bitsPerPixel) + 31) / 32 * 4;
        return pixelOffset + (stride * height) <= data.Length ? 1 : throw Truncated("BMP", "its pixel rows are incomplete");
    }

    private static int CountPngFrames(ReadOnlySpan<byte> data)
    {
        var frames = 1;
        long offset = 8;
        while (offset + 12 <= data.Length)
        {
            var chunk = data[(int)offset..];
            long length = BinaryPrimitives.ReadUInt32BigEndian(chunk);
            var type = chunk.Slice(4, 4);
            if (offset + 12 + length > data.Length)
            {
                break;
            }

            if (type.SequenceEqual("IEND"u8))
            {
                return frames;
            }

            if (type.SequenceEqual("acTL"u8) && length >= 8)
            {
                frames = (int)Math.Min(int.MaxValue, BinaryPrimitives.ReadUInt32BigEndian(chunk[8..]));
            }

            offset += 12 + length;
        }

        throw Truncated("PNG", "it ends before its IEND chunk");
    }

    private static int CountGifFrames(ReadOnlySpan<byte> data)
    {
        var walker = new GifWalker(data);
        return walker.CountFrames();
    }

    private static int CountWebpFrames(ReadOnlySpan<byte> data)
    {
        if (data.Length < 12)
        {
            throw Truncated("WebP", "its header is incomplete");
        }

        var riffEnd = 8L + BinaryPrimitives.ReadUInt32LittleEndian(data[4..]);
        if (riffEnd > data.Length)
        {
            throw Truncated("WebP", "it is shorter than its RIFF header declares");
        }

        var frames = 0;
        long offset = 12;
        while (offset + 8 <= riffEnd)
        {
            var chunk = data[(int)offset..];
            long size = BinaryPrimitives.ReadUInt32LittleEndian(chunk[4..]);
            if (chunk[..4].SequenceEqual("ANMF"u8))
            {
                frames++;
            }

            offset += 8 + size + (size & 1);
        }

        return Math.Max(frames, 1);
    }

    internal static ImageRejectedException Truncated(string format, string detail) =>
        new(ImageRejectionReason.Corrupt, $"The {format} file is truncated or malformed: {detail}.");

    /// <summary>Skips GIF blocks by their length prefixes, counting image descriptors.</summary>
    private ref struct GifWalker(ReadOnlySpan<byte> data)
    {
        private readonly ReadOnlySpan<byte> _data = data;
        private int _offset;
        private int _frames;

        public int CountFrames()
        {
            if (_data.Length < 13)
            {
                throw Truncated("GIF", "its header is incomplete");
            }

            _offset = 13 + ColorTableLength(_data[10]);
            while (_offset < _data.Length)
            {
                switch (_data[_offset++])
                {
                    case 0x3B:
                        return Result();
                    case 0x21:
                        _offset++;
                        if (!SkipSubBlocks())
                        {
                            return Result();
                        }

                        break;
                    case 0x2C:
                        if (_offset + 9 > _data.Length)
                        {
                            return Result();
                        }

                        _offset += 9 + ColorTableLength(_data[_offset + 8]) + 1;
                        if (!SkipSubBlocks())
                        {
                            return Result();
                        }

                        _frames++;
                        break;
                    default:
                        return Result();
                }
            }

            return Result();
        }

        // Pillow reads the first frame of a GIF whose later frames are cut off or followed by junk.
        private readonly int Result() =>
            _frames > 0 ? _frames : throw Truncated("GIF", "its first frame is incomplete");

        private bool SkipSubBlocks()
        {
            while (_offset < _data.Length)
            {
                var size = _data[_offset++];
                if (size == 0)
                {
                    return true;
                }

                _offset += size;
            }

            return false;
        }

        private static int ColorTableLength(byte flags) => (flags & 0x80) != 0 ? 3 << ((flags & 7) + 1) : 0;
    }
}
