using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using Clip.Cli.Commands;

namespace Clip.Cli;

[JsonSerializable(typeof(string))]
[JsonSerializable(typeof(TokenizeOutput))]
[JsonSerializable(typeof(EmbedOutput))]
[JsonSerializable(typeof(LabelOutput))]
[JsonSerializable(typeof(UploadOutput))]
[JsonSerializable(typeof(SearchOutput))]
internal sealed partial class CliJson : JsonSerializerContext
{
    /// <summary>Snake-case names, and non-ASCII text printed as itself rather than as \u escapes.</summary>
    public static CliJson Output { get; } = new(new JsonSerializerOptions
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    });
}
