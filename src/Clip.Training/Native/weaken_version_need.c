/*
 * weaken_version_need: lets a shared library load where one of the symbol versions it requires
 * is missing, by marking that version requirement weak and unversioning the symbols bound to it.
 *
 *   weaken_version_need FILE VERSION [SYMBOL...]
 *
 * FILE is edited in place. For the requirement named VERSION (e.g. GLIBCXX_3.4.32) in the
 * .gnu.version_r section, VER_FLG_WEAK is set: the loader then accepts a library that lacks the
 * version instead of refusing to load. Every dynamic symbol bound to that version is switched to
 * "global, unversioned" in .gnu.version, which is what `patchelf --clear-symbol-version` does; each
 * such symbol must be named on the command line (it is the caller's promise that something
 * provides it), otherwise nothing is written and the exit status is 1.
 *
 * Exit status: 0 patched now; 2 already patched (nothing written); 3 FILE does not require
 * VERSION (nothing written); 1 error. Only 64-bit little-endian ELF (x86-64, AArch64) is handled.
 *
 * Written in C so that the build step that compiles the C++ shim can compile this too, with the
 * same compiler and no other runtime: the systems that need it have g++, the others never build it.
 */
#include <elf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static unsigned char *image;
static size_t image_size;

static int fail(const char *message, const char *detail)
{
    fprintf(stderr, "weaken_version_need: %s%s%s\n", message, detail ? ": " : "", detail ? detail : "");
    return 1;
}

/* Every offset read from the file is bounds-checked before use: a malformed file fails, never crashes. */
static int in_bounds(size_t offset, size_t length)
{
    return offset <= image_size && length <= image_size - offset;
}

static const char *string_at(const Elf64_Shdr *strtab, size_t index)
{
    if (index >= strtab->sh_size || !in_bounds(strtab->sh_offset, strtab->sh_size))
        return NULL;
    const char *s = (const char *)image + strtab->sh_offset + index;
    return memchr(s, '\0', strtab->sh_size - index) ? s : NULL;
}

static int is_named(const char *name, char **symbols, int count)
{
    for (int i = 0; i < count; i++)
        if (strcmp(name, symbols[i]) == 0)
            return 1;
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 3)
    {
        fprintf(stderr, "usage: weaken_version_need FILE VERSION [SYMBOL...]\n");
        return 1;
    }
    const char *path = argv[1], *version = argv[2];
    char **symbols = argv + 3;
    int symbol_count = argc - 3;

    FILE *file = fopen(path, "rb");
    if (!file)
        return fail(strerror(errno), path);
    fseek(file, 0, SEEK_END);
    long length = ftell(file);
    fseek(file, 0, SEEK_SET);
    image_size = length > 0 ? (size_t)length : 0;
    image = malloc(image_size ? image_size : 1);
    if (!image || fread(image, 1, image_size, file) != image_size)
        return fail("cannot read", path);
    fclose(file);

    const Elf64_Ehdr *header = (const Elf64_Ehdr *)image;
    if (!in_bounds(0, sizeof *header) || memcmp(header->e_ident, ELFMAG, SELFMAG) != 0)
        return fail("not an ELF file", path);
    if (header->e_ident[EI_CLASS] != ELFCLASS64 || header->e_ident[EI_DATA] != ELFDATA2LSB)
        return fail("only 64-bit little-endian ELF is supported", path);
    if (header->e_shentsize != sizeof(Elf64_Shdr) || !in_bounds(header->e_shoff, (size_t)header->e_shnum * sizeof(Elf64_Shdr)))
        return fail("bad section header table", path);
    Elf64_Shdr *sections = (Elf64_Shdr *)(image + header->e_shoff);

    Elf64_Shdr *verneed = NULL, *versym = NULL, *dynsym = NULL;
    for (int i = 0; i < header->e_shnum; i++)
    {
        if (sections[i].sh_type == SHT_GNU_verneed) verneed = &sections[i];
        else if (sections[i].sh_type == SHT_GNU_versym) versym = &sections[i];
        else if (sections[i].sh_type == SHT_DYNSYM) dynsym = &sections[i];
    }
    if (!verneed)
        return 3; /* no version requirements at all */
    if (!versym || !dynsym || verneed->sh_link >= header->e_shnum || dynsym->sh_link >= header->e_shnum)
        return fail("incomplete symbol versioning sections", path);
    const Elf64_Shdr *verneed_strings = &sections[verneed->sh_link];
    const Elf64_Shdr *symbol_strings = &sections[dynsym->sh_link];

    /* .gnu.version_r: a chain of Verneed records (one per needed library), each with a chain of
       Vernaux records (one per version of that library); vna_other is the index .gnu.version uses. */
    Elf64_Vernaux *requirement = NULL;
    size_t need_offset = verneed->sh_offset;
    for (size_t n = 0; n < verneed->sh_info && !requirement; n++)
    {
        if (!in_bounds(need_offset, sizeof(Elf64_Verneed)))
            return fail("bad .gnu.version_r", path);
        const Elf64_Verneed *need = (const Elf64_Verneed *)(image + need_offset);
        size_t aux_offset = need_offset + need->vn_aux;
        for (int a = 0; a < need->vn_cnt; a++)
        {
            if (!in_bounds(aux_offset, sizeof(Elf64_Vernaux)))
                return fail("bad .gnu.version_r", path);
            Elf64_Vernaux *aux = (Elf64_Vernaux *)(image + aux_offset);
            const char *name = string_at(verneed_strings, aux->vna_name);
            if (name && strcmp(name, version) == 0)
            {
                requirement = aux;
                break;
            }
            aux_offset += aux->vna_next;
        }
        need_offset += need->vn_next;
    }
    if (!requirement)
        return 3;

    /* .gnu.version: one Elf64_Versym per .dynsym entry; the top bit marks a hidden symbol. */
    size_t symbol_total = dynsym->sh_size / sizeof(Elf64_Sym);
    if (!in_bounds(dynsym->sh_offset, dynsym->sh_size) || !in_bounds(versym->sh_offset, symbol_total * sizeof(Elf64_Versym)))
        return fail("bad .dynsym or .gnu.version", path);
    const Elf64_Sym *symbol_table = (const Elf64_Sym *)(image + dynsym->sh_offset);
    Elf64_Versym *versions = (Elf64_Versym *)(image + versym->sh_offset);
    int unprovided = 0, cleared = 0;
    for (size_t i = 0; i < symbol_total; i++)
    {
        if ((versions[i] & 0x7fff) != requirement->vna_other)
            continue;
        const char *name = string_at(symbol_strings, symbol_table[i].st_name);
        if (!name || !is_named(name, symbols, symbol_count))
        {
            fprintf(stderr, "weaken_version_need: %s needs %s@%s, which nothing provides\n", path, name ? name : "?", version);
            unprovided++;
            continue;
        }
        versions[i] = VER_NDX_GLOBAL;
        cleared++;
    }
    if (unprovided)
        return 1;
    if ((requirement->vna_flags & VER_FLG_WEAK) && cleared == 0)
        return 2;
    requirement->vna_flags |= VER_FLG_WEAK;

    /* Written to a temporary file and renamed so a failed write never leaves a half-patched library. */
    size_t temporary_length = strlen(path) + 16;
    char *temporary = malloc(temporary_length);
    snprintf(temporary, temporary_length, "%s.weakening", path);
    struct stat original;
    if (stat(path, &original) != 0)
        return fail(strerror(errno), path);
    file = fopen(temporary, "wb");
    if (!file || fwrite(image, 1, image_size, file) != image_size || fclose(file) != 0)
        return fail("cannot write", temporary);
    chmod(temporary, original.st_mode & 07777);
    if (rename(temporary, path) != 0)
        return fail(strerror(errno), path);
    return 0;
}
