using System.Text.Json;

namespace Clip.Inference.Bundles;

/// <summary>Reads a Hugging Face <c>preprocessor_config.json</c> (both the old integer and the newer object forms).</summary>
internal static class PreprocessorConfigReader
{
    public static PreprocessorConfig Read(string path)
    {
        var json = ModelBundle.ReadJson(path);
        if (json.TryGetProperty("do_resize", out var doResize) && doResize.ValueKind == JsonValueKind.False)
        {
            throw new ModelBundleException(path, "do_resize=false is not supported: CLIP resizes the shortest edge");
        }

        if (json.TryGetProperty("do_center_crop", out var doCrop) && doCrop.ValueKind == JsonValueKind.False)
        {
            throw new ModelBundleException(path, "do_center_crop=false is not supported: CLIP centre-crops");
        }

        var shortestEdge = ReadSize(json, path, "size", "shortest_edge");
        var (cropHeight, cropWidth) = ReadCrop(json, path);
        var mean = ReadTriple(json, path, "image_mean");
        var std = ReadTriple(json, path, "image_std");
        if (std.Any(s => s <= 0))
        {
            throw new ModelBundleException(path, "image_std values must be positive");
        }

        var resample = ResampleFilter.Bicubic;
        if (json.TryGetProperty("resample", out var r))
        {
            if (r.ValueKind != JsonValueKind.Number || !r.TryGetInt32(out var code) || !Enum.IsDefined((ResampleFilter)code))
            {
                throw new ModelBundleException(path, $"resample must be 0 (nearest), 1 (lanczos), 2 (bilinear) or 3 (bicubic), found {r}");
            }

            resample = (ResampleFilter)code;
        }

        return new PreprocessorConfig(shortestEdge, cropHeight, cropWidth, mean, std, resample);
    }

    private static int ReadSize(JsonElement json, string path, string key, string objectKey)
    {
        if (!json.TryGetProperty(key, out var size))
        {
            throw new ModelBundleException(path, $"missing \"{key}\"");
        }

        if (size.ValueKind == JsonValueKind.Object)
        {
            if (size.TryGetProperty(objectKey, out var inner))
            {
                return Positive(inner, path, $"{key}.{objectKey}");
            }

            throw new ModelBundleException(path, $"\"{key}\" must name \"{objectKey}\" (CLIP resizes the shortest edge)");
        }

        return Positive(size, path, key);
    }

    private static (int Height, int Width) ReadCrop(JsonElement json, string path)
    {
        if (!json.TryGetProperty("crop_size", out var crop))
        {
            throw new ModelBundleException(path, "missing \"crop_size\"");
        }

        if (crop.ValueKind == JsonValueKind.Object)
        {
            if (!crop.TryGetProperty("height", out var h) || !crop.TryGetProperty("width", out var w))
            {
                throw new ModelBundleException(path, "\"crop_size\" must have \"height\" and \"width\"");
            }

            return (Positive(h, path, "crop_size.height"), Positive(w, path, "crop_size.width"));
        }

        var side = Positive(crop, path, "crop_size");
        return (side, side);
    }

    private static int Positive(JsonElement value, string path, string name)
    {
        if (value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var n) && n is > 0 and <= 8192)
        {
            return n;
        }

        throw new ModelBundleException(path, $"\"{name}\" must be an integer between 1 and 8192, found {value}");
    }

    private static float[] ReadTriple(JsonElement json, string path, string key)
    {
        if (!json.TryGetProperty(key, out var array) || array.ValueKind != JsonValueKind.Array || array.GetArrayLength() != 3)
        {
            throw new ModelBundleException(path, $"\"{key}\" must be an array of three numbers (R, G, B)");
        }

        var values = new float[3];
        for (var i = 0; i < 3; i++)
        {
            if (array[i].ValueKind != JsonValueKind.Number || !float.IsFinite(array[i].GetSingle()))
            {
                throw new ModelBundleException(path, $"\"{key}\" must be an array of three numbers (R, G, B)");
            }

            values[i] = array[i].GetSingle();
        }

        return values;
    }
}
