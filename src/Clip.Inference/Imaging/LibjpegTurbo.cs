using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Clip.Inference.Imaging;

/// <summary>
/// The TurboJPEG API of the system's libjpeg-turbo, the library Pillow decodes JPEG with.
/// Loaded once; <see cref="IsAvailable"/> is false when the library or one of its functions is missing.
/// </summary>
internal static partial class LibjpegTurbo
{
    /// <summary>tjDecompressHeader3's colour spaces that come out as RGB; CMYK (3) and YCCK (4) do not.</summary>
    public const int ColorspaceRgb = 0, ColorspaceYCbCr = 1, ColorspaceGray = 2;

    private const string Library = "turbojpeg";
    private const int PixelFormatRgb = 0;

    // Flags 0: accurate integer IDCT and fancy upsampling, libjpeg's defaults and so Pillow's.
    private const int DefaultFlags = 0;
    private const int ErrorWarning = 0;

    private static readonly string[] Candidates = ["libturbojpeg.so.0", "libturbojpeg.so", "libturbojpeg.0.dylib", "turbojpeg.dll"];
    private static readonly string[] Functions =
        ["tjInitDecompress", "tjDecompressHeader3", "tjDecompress2", "tjGetErrorStr2", "tjGetErrorCode", "tjDestroy"];

    private static readonly nint Module = Load();

    public static bool IsAvailable => Module != 0;

    /// <summary>A fresh decompressor; TurboJPEG handles must not be shared between threads.</summary>
    public static Decompressor Open()
    {
        if (!IsAvailable)
        {
            throw new InvalidOperationException("libturbojpeg.so.0 is not available (apt-get install libturbojpeg0).");
        }

        var handle = InitDecompress();
        if (handle.IsInvalid)
        {
            handle.Dispose();
            throw new InvalidOperationException("tjInitDecompress failed.");
        }

        return handle;
    }

    /// <returns>False when the data has no readable JPEG header; <see cref="Error"/> says why.</returns>
    public static bool TryReadHeader(Decompressor decompressor, ReadOnlySpan<byte> jpeg, out int width, out int height, out int colorspace) =>
        DecompressHeader3(decompressor, jpeg, new CULong((nuint)jpeg.Length), out width, out height, out _, out colorspace) == 0;

    /// <returns>False on a fatal error; recoverable damage that libjpeg only warns about decodes, as it does in Pillow.</returns>
    public static bool TryDecompressRgb(Decompressor decompressor, ReadOnlySpan<byte> jpeg, Span<byte> rgb, int width, int height) =>
        Decompress2(decompressor, jpeg, new CULong((nuint)jpeg.Length), rgb, width, width * 3, height, PixelFormatRgb, DefaultFlags) == 0
        || GetErrorCode(decompressor) == ErrorWarning;

    public static string Error(Decompressor decompressor) =>
        Marshal.PtrToStringUTF8(GetErrorStr2(decompressor)) ?? "unknown libjpeg-turbo error";

    private static nint Load()
    {
        foreach (var candidate in Candidates)
        {
            if (!NativeLibrary.TryLoad(candidate, out var module))
            {
                continue;
            }

            if (Functions.All(function => NativeLibrary.TryGetExport(module, function, out _)))
            {
                NativeLibrary.SetDllImportResolver(
                    typeof(LibjpegTurbo).Assembly, (name, _, _) => name == Library ? module : 0);
                return module;
            }

            NativeLibrary.Free(module);
        }

        return 0;
    }

    [LibraryImport(Library, EntryPoint = "tjInitDecompress")]
    private static partial Decompressor InitDecompress();

    [LibraryImport(Library, EntryPoint = "tjDecompressHeader3")]
    private static partial int DecompressHeader3(
        Decompressor handle, ReadOnlySpan<byte> jpegBuf, CULong jpegSize, out int width, out int height, out int subsampling, out int colorspace);

    [LibraryImport(Library, EntryPoint = "tjDecompress2")]
    private static partial int Decompress2(
        Decompressor handle, ReadOnlySpan<byte> jpegBuf, CULong jpegSize, Span<byte> dstBuf, int width, int pitch, int height, int pixelFormat, int flags);

    // The message lives in a static or per-handle buffer that the caller must not free, hence nint rather than string.
    [LibraryImport(Library, EntryPoint = "tjGetErrorStr2")]
    private static partial nint GetErrorStr2(Decompressor handle);

    [LibraryImport(Library, EntryPoint = "tjGetErrorCode")]
    private static partial int GetErrorCode(Decompressor handle);

    [LibraryImport(Library, EntryPoint = "tjDestroy")]
    private static partial int Destroy(nint handle);

    /// <summary>A tjhandle, destroyed on dispose.</summary>
    internal sealed class Decompressor : SafeHandleZeroOrMinusOneIsInvalid
    {
        public Decompressor()
            : base(ownsHandle: true)
        {
        }

        protected override bool ReleaseHandle() => Destroy(handle) == 0;
    }
}
