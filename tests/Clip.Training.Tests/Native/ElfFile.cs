using System.Buffers.Binary;
using System.Text;

namespace Clip.Training.Tests.Native;

/// <summary>
/// Reads what the libstdc++ fix changes in a 64-bit little-endian shared library: the flags of a
/// version requirement (.gnu.version_r), the version index of a dynamic symbol (.gnu.version) and
/// the DT_NEEDED entries. Independent of the C tool it checks.
/// </summary>
internal sealed class ElfFile
{
    private const uint DynamicSymbols = 11, Dynamic = 6, VersionNeeds = 0x6ffffffe, VersionSymbols = 0x6fffffff;
    private readonly byte[] _image;
    private readonly List<Section> _sections = [];

    private ElfFile(byte[] image)
    {
        _image = image;
        if (image.Length < 64 || image[0] != 0x7f || image[1] != (byte)'E' || image[4] != 2 || image[5] != 1)
        {
            throw new InvalidDataException("Not a 64-bit little-endian ELF file.");
        }

        var sectionTable = U64(0x28);
        var sectionSize = U16(0x3a);
        for (var i = 0; i < U16(0x3c); i++)
        {
            var at = (int)sectionTable + (i * sectionSize);
            _sections.Add(new Section(U32(at + 4), U64(at + 0x18), U64(at + 0x20), U32(at + 0x28), U32(at + 0x2c)));
        }
    }

    public static ElfFile Read(string path) => new(File.ReadAllBytes(path));

    /// <summary>The vna_flags of the requirement named <paramref name="version"/>, or null when not required.</summary>
    public ushort? VersionRequirementFlags(string version) => FindRequirement(version)?.Flags;

    /// <summary>The .gnu.version entry of the dynamic symbol (0 local, 1 global unversioned, else a version index).</summary>
    public ushort SymbolVersionIndex(string symbol)
    {
        var symbols = _sections.Single(s => s.Type == DynamicSymbols);
        var versions = _sections.Single(s => s.Type == VersionSymbols);
        var names = _sections[(int)symbols.Link];
        for (var i = 0; i < (int)(symbols.Size / 24); i++)
        {
            if (String(names, U32((int)symbols.Offset + (i * 24))) == symbol)
            {
                return (ushort)(U16((int)versions.Offset + (i * 2)) & 0x7fff);
            }
        }

        throw new KeyNotFoundException(symbol);
    }

    /// <summary>The version index .gnu.version uses for the requirement named <paramref name="version"/>.</summary>
    public ushort? VersionIndex(string version) => FindRequirement(version)?.Index;

    public IReadOnlyList<string> NeededLibraries()
    {
        var dynamic = _sections.Single(s => s.Type == Dynamic);
        var names = _sections[(int)dynamic.Link];
        var needed = new List<string>();
        for (var at = (int)dynamic.Offset; at < (int)(dynamic.Offset + dynamic.Size); at += 16)
        {
            if (U64(at) == 1)
            {
                needed.Add(String(names, (uint)U64(at + 8)));
            }
        }

        return needed;
    }

    private (ushort Flags, ushort Index)? FindRequirement(string version)
    {
        var needs = _sections.Single(s => s.Type == VersionNeeds);
        var names = _sections[(int)needs.Link];
        var need = (int)needs.Offset;
        for (var n = 0; n < needs.Info; n++)
        {
            var aux = need + (int)U32(need + 8);
            for (var a = 0; a < U16(need + 2); a++)
            {
                if (String(names, U32(aux + 8)) == version)
                {
                    return (U16(aux + 4), U16(aux + 6));
                }

                aux += (int)U32(aux + 12);
            }

            need += (int)U32(need + 12);
        }

        return null;
    }

    private string String(Section table, uint index)
    {
        var start = (int)(table.Offset + index);
        var end = Array.IndexOf(_image, (byte)0, start);
        return Encoding.ASCII.GetString(_image, start, end - start);
    }

    private ushort U16(int at) => BinaryPrimitives.ReadUInt16LittleEndian(_image.AsSpan(at));

    private uint U32(int at) => BinaryPrimitives.ReadUInt32LittleEndian(_image.AsSpan(at));

    private ulong U64(int at) => BinaryPrimitives.ReadUInt64LittleEndian(_image.AsSpan(at));

    private sealed record Section(uint Type, ulong Offset, ulong Size, uint Link, uint Info);
}
