using System.Buffers.Binary;
using System.Text;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Gif;
using SixLabors.ImageSharp.PixelFormats;

namespace Clip.TestUtilities;

/// <summary>Hand-built hostile files.</summary>
public static class HostileImages
{
    /// <summary>A PNG whose IHDR declares <paramref name="width"/>×<paramref name="height"/> and holds no pixel data.</summary>
    public static byte[] PngHeader(int width, int height)
    {
        var ihdr = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(ihdr, width);
        BinaryPrimitives.WriteInt32BigEndian(ihdr.AsSpan(4), height);
        ihdr[8] = 8; // bit depth
        ihdr[9] = 2; // RGB
        using var png = new MemoryStream();
        png.Write([0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A]);
        WriteChunk(png, "IHDR", ihdr);
        WriteChunk(png, "IEND", []);
        return png.ToArray();
    }

    /// <summary><paramref name="jpeg"/> with its frame header (SOF0 or SOF2) rewritten to declare <paramref name="width"/>×<paramref name="height"/>.</summary>
    public static byte[] JpegDeclaring(byte[] jpeg, int width, int height)
    {
        var patched = jpeg.ToArray();
        var offset = 2;
        while (patched[offset + 1] is not (0xC0 or 0xC2))
        {
            offset += 2 + BinaryPrimitives.ReadUInt16BigEndian(patched.AsSpan(offset + 2));
        }

        // FF Cn, length (2), sample precision (1), then height and width.
        BinaryPrimitives.WriteUInt16BigEndian(patched.AsSpan(offset + 5), checked((ushort)height));
        BinaryPrimitives.WriteUInt16BigEndian(patched.AsSpan(offset + 7), checked((ushort)width));
        return patched;
    }

    public static byte[] AnimatedGif(int frames)
    {
        using var image = new Image<Rgba32>(4, 4, new Rgba32(10, 200, 30));
        for (var i = 1; i < frames; i++)
        {
            image.Frames.AddFrame(image.Frames.RootFrame);
        }

        using var gif = new MemoryStream();
        image.Save(gif, new GifEncoder());
        return gif.ToArray();
    }

    private static void WriteChunk(Stream png, string type, byte[] data)
    {
        Span<byte> word = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(word, data.Length);
        png.Write(word);
        var typed = Encoding.ASCII.GetBytes(type).Concat(data).ToArray();
        png.Write(typed);
        BinaryPrimitives.WriteUInt32BigEndian(word, Crc32(typed));
        png.Write(word);
    }

    private static uint Crc32(byte[] data)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var b in data)
        {
            crc ^= b;
            for (var bit = 0; bit < 8; bit++)
            {
                crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xEDB88320u : crc >> 1;
            }
        }

        return ~crc;
    }
}
