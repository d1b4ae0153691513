using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Clip.Inference.Imaging;

/// <summary>
/// The resampler's horizontal-pass layout change for interleaved RGB, sixteen columns of eight rows at a time with
/// SSSE3 byte shuffles: each row's 48 bytes are split into R, G and B, and each channel's 8 × 16 bytes are transposed
/// so that a column's eight row samples lie side by side. A byte move, so the result is the scalar loop's exactly.
/// </summary>
internal static class RgbBlockTransposer
{
    private const int Lanes = 8;
    private const int Chunk = 16;

    // For channel c and source vector v (bytes 16v to 16v + 15 of 16 RGB pixels): where each output byte comes from.
    private static readonly Vector128<byte>[] Masks = BuildMasks();

    /// <summary>
    /// Fills [channel][column][lane] of <paramref name="block"/> for the first columns of eight rows that start
    /// <paramref name="stride"/> bytes apart in <paramref name="rows"/>, in whole chunks of sixteen.
    /// </summary>
    /// <returns>How many columns were written (0 where SSSE3 is missing); the caller writes the rest.</returns>
    public static int Transpose(ReadOnlySpan<byte> rows, int stride, int columns, byte[] block)
    {
        if (!Ssse3.IsSupported || columns < Chunk || rows.Length < (7 * stride) + (columns * 3))
        {
            return 0;
        }

        var done = columns / Chunk * Chunk;
        var plane = columns * Lanes;
        ref var from = ref MemoryMarshal.GetReference(rows);
        ref var to = ref MemoryMarshal.GetArrayDataReference(block);
        Span<Vector128<byte>> channelRows = stackalloc Vector128<byte>[3 * Lanes];
        for (var x = 0; x < done; x += Chunk)
        {
            for (var r = 0; r < Lanes; r++)
            {
                ref var pixels = ref Unsafe.Add(ref from, (r * stride) + (x * 3));
                var a = Vector128.LoadUnsafe(ref pixels);
                var b = Vector128.LoadUnsafe(ref pixels, 16);
                var c = Vector128.LoadUnsafe(ref pixels, 32);
                for (var channel = 0; channel < 3; channel++)
                {
                    channelRows[(channel * Lanes) + r] =
                        Ssse3.Shuffle(a, Masks[channel * 3]) | Ssse3.Shuffle(b, Masks[(channel * 3) + 1]) | Ssse3.Shuffle(c, Masks[(channel * 3) + 2]);
                }
            }

            for (var channel = 0; channel < 3; channel++)
            {
                WriteColumns(channelRows.Slice(channel * Lanes, Lanes), ref Unsafe.Add(ref to, (channel * plane) + (x * Lanes)));
            }
        }

        return done;
    }

    /// <summary>Eight rows of sixteen samples to sixteen columns of eight: 128 bytes, column after column.</summary>
    private static void WriteColumns(ReadOnlySpan<Vector128<byte>> r, ref byte destination)
    {
        var t0 = Sse2.UnpackLow(r[0], r[1]);
        var t1 = Sse2.UnpackHigh(r[0], r[1]);
        var t2 = Sse2.UnpackLow(r[2], r[3]);
        var t3 = Sse2.UnpackHigh(r[2], r[3]);
        var t4 = Sse2.UnpackLow(r[4], r[5]);
        var t5 = Sse2.UnpackHigh(r[4], r[5]);
        var t6 = Sse2.UnpackLow(r[6], r[7]);
        var t7 = Sse2.UnpackHigh(r[6], r[7]);

        // Rows 0-3 and 4-7 of columns 0-3, 4-7, 8-11, 12-15.
        var u0 = Sse2.UnpackLow(t0.AsUInt16(), t2.AsUInt16()).AsUInt32();
        var u1 = Sse2.UnpackHigh(t0.AsUInt16(), t2.AsUInt16()).AsUInt32();
        var u2 = Sse2.UnpackLow(t1.AsUInt16(), t3.AsUInt16()).AsUInt32();
        var u3 = Sse2.UnpackHigh(t1.AsUInt16(), t3.AsUInt16()).AsUInt32();
        var u4 = Sse2.UnpackLow(t4.AsUInt16(), t6.AsUInt16()).AsUInt32();
        var u5 = Sse2.UnpackHigh(t4.AsUInt16(), t6.AsUInt16()).AsUInt32();
        var u6 = Sse2.UnpackLow(t5.AsUInt16(), t7.AsUInt16()).AsUInt32();
        var u7 = Sse2.UnpackHigh(t5.AsUInt16(), t7.AsUInt16()).AsUInt32();

        // Each store is two whole columns.
        Sse2.UnpackLow(u0, u4).AsByte().StoreUnsafe(ref destination);
        Sse2.UnpackHigh(u0, u4).AsByte().StoreUnsafe(ref destination, 16);
        Sse2.UnpackLow(u1, u5).AsByte().StoreUnsafe(ref destination, 32);
        Sse2.UnpackHigh(u1, u5).AsByte().StoreUnsafe(ref destination, 48);
        Sse2.UnpackLow(u2, u6).AsByte().StoreUnsafe(ref destination, 64);
        Sse2.UnpackHigh(u2, u6).AsByte().StoreUnsafe(ref destination, 80);
        Sse2.UnpackLow(u3, u7).AsByte().StoreUnsafe(ref destination, 96);
        Sse2.UnpackHigh(u3, u7).AsByte().StoreUnsafe(ref destination, 112);
    }

    private static Vector128<byte>[] BuildMasks()
    {
        const byte Zero = 0x80;
        var masks = new Vector128<byte>[9];
        Span<byte> mask = stackalloc byte[16];
        for (var channel = 0; channel < 3; channel++)
        {
            for (var vector = 0; vector < 3; vector++)
            {
                for (var output = 0; output < 16; output++)
                {
                    var position = (output * 3) + channel;
                    mask[output] = position / 16 == vector ? (byte)(position % 16) : Zero;
                }

                masks[(channel * 3) + vector] = Vector128.Create((ReadOnlySpan<byte>)mask);
            }
        }

        return masks;
    }
}
