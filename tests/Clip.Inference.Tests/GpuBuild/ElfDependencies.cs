using System.Buffers.Binary;
using System.Text;

namespace Clip.Inference.Tests.GpuBuild;

/// <summary>
/// The shared libraries an ELF64 little-endian library names as DT_NEEDED: what the dynamic loader must find for it to
/// load at all (what <c>readelf -d</c> lists), read from the file without running it.
/// </summary>
internal static class ElfDependencies
{
    private const uint SectionDynamic = 6;
    private const long TagNeeded = 1;

    public static IReadOnlyList<string> Needed(string path)
    {
        var file = File.ReadAllBytes(path);
        if (file.Length < 64 || !file.AsSpan(0, 4).SequenceEqual("\u007fELF"u8) || file[4] != 2 || file[5] != 1)
        {
            throw new InvalidDataException($"{path} is not a 64-bit little-endian ELF file");
        }

        var sections = (long)BinaryPrimitives.ReadUInt64LittleEndian(file.AsSpan(0x28));
        var sectionSize = BinaryPrimitives.ReadUInt16LittleEndian(file.AsSpan(0x3A));
        var sectionCount = BinaryPrimitives.ReadUInt16LittleEndian(file.AsSpan(0x3C));
        var needed = new List<string>();
        for (var i = 0; i < sectionCount; i++)
        {
            var header = file.AsSpan((int)(sections + (i * sectionSize)), sectionSize);
            if (BinaryPrimitives.ReadUInt32LittleEndian(header[4..]) != SectionDynamic)
            {
                continue;
            }

            var (offset, size) = ((int)BinaryPrimitives.ReadUInt64LittleEndian(header[0x18..]), (int)BinaryPrimitives.ReadUInt64LittleEndian(header[0x20..]));
            var strings = file.AsSpan((int)(sections + ((int)BinaryPrimitives.ReadUInt32LittleEndian(header[0x28..]) * sectionSize)), sectionSize);
            var stringsAt = (int)BinaryPrimitives.ReadUInt64LittleEndian(strings[0x18..]);
            for (var entry = offset; entry + 16 <= offset + size; entry += 16)
            {
                var tag = BinaryPrimitives.ReadInt64LittleEndian(file.AsSpan(entry));
                if (tag == 0)
                {
                    break;
                }

                if (tag == TagNeeded)
                {
                    var name = stringsAt + (int)BinaryPrimitives.ReadUInt64LittleEndian(file.AsSpan(entry + 8));
                    needed.Add(Encoding.ASCII.GetString(file, name, Array.IndexOf(file, (byte)0, name) - name));
                }
            }
        }

        return needed;
    }
}
