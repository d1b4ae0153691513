using Microsoft.Extensions.Logging;

namespace Clip.Inference;

internal static partial class Log
{
    [LoggerMessage(1, LogLevel.Information, "ONNX Runtime uses the CUDA execution provider on device {DeviceId}")]
    public static partial void CudaEnabled(ILogger logger, int deviceId);

    [LoggerMessage(2, LogLevel.Warning, "CUDA execution provider unavailable for device {DeviceId}, falling back to CPU: {Reason}")]
    public static partial void CudaUnavailableFallingBackToCpu(ILogger logger, int deviceId, string reason);

    [LoggerMessage(4, LogLevel.Information, "This ONNX Runtime build has no CUDA execution provider; running on CPU")]
    public static partial void CpuBuildUsesCpu(ILogger logger);

    [LoggerMessage(11, LogLevel.Information,
        "GPU preflight passed: NVIDIA driver {DriverVersion} supports CUDA {CudaVersion}; CUDA device {DeviceId} is {DeviceName}, compute capability {ComputeCapability}")]
    public static partial void GpuPreflightPassed(ILogger logger, string driverVersion, string cudaVersion, int deviceId, string deviceName, string computeCapability);

    [LoggerMessage(12, LogLevel.Warning, "CUDA device {DeviceId} fails the GPU preflight, falling back to CPU: {Reason}")]
    public static partial void GpuPreflightFailedFallingBackToCpu(ILogger logger, int deviceId, string reason);

    [LoggerMessage(3, LogLevel.Information, "Loaded model {ModelId} from {Directory} on {Device} (embedding width {Dimension})")]
    public static partial void ModelLoaded(ILogger logger, string modelId, string directory, string device, int dimension);

    [LoggerMessage(13, LogLevel.Information,
        "Precision {Requested} on {Device}: image tower {VisionPrecision} ({VisionFile}), text tower {TextPrecision} ({TextFile})")]
    public static partial void PrecisionChosen(
        ILogger logger, string requested, string device, string visionPrecision, string visionFile, string textPrecision, string textFile);

    [LoggerMessage(5, LogLevel.Information, "JPEG images are decoded by libjpeg-turbo, as in Pillow")]
    public static partial void JpegDecodedByLibjpegTurbo(ILogger logger);

    [LoggerMessage(6, LogLevel.Warning,
        "libturbojpeg not found (apt-get install libturbojpeg0); JPEG images are decoded by ImageSharp, whose chroma upsampling drifts slightly from Pillow's")]
    public static partial void JpegDecodedByImageSharp(ILogger logger);

    [LoggerMessage(7, LogLevel.Information, "Built class matrix of taxonomy {Taxonomy} ({TaxonomyVersion}) with model {ModelId}: {Classes} classes × {Dimension}")]
    public static partial void ClassMatrixBuilt(ILogger logger, string taxonomy, string taxonomyVersion, string modelId, int classes, int dimension);

    [LoggerMessage(8, LogLevel.Debug, "Class matrix of taxonomy {TaxonomyVersion} with model {ModelId} read from cache {Path}")]
    public static partial void ClassMatrixCacheHit(ILogger logger, string taxonomyVersion, string modelId, string path);

    [LoggerMessage(9, LogLevel.Warning, "Ignoring cached class matrix {Path}, it will be rebuilt: {Reason}")]
    public static partial void ClassMatrixCacheIgnored(ILogger logger, string path, string reason);

    [LoggerMessage(10, LogLevel.Warning, "Could not write class matrix cache file {Path}: {Reason}")]
    public static partial void ClassMatrixCacheWriteFailed(ILogger logger, string path, string reason);

    [LoggerMessage(20, LogLevel.Information, "Class matrix of taxonomy {TaxonomyVersion} with model {ModelId} read from the shared store")]
    public static partial void ClassMatrixSharedHit(ILogger logger, string taxonomyVersion, string modelId);

    [LoggerMessage(21, LogLevel.Warning, "Shared class matrix of taxonomy {TaxonomyVersion} with model {ModelId} is unusable, it will be built here: {Reason}")]
    public static partial void ClassMatrixSharedUnusable(ILogger logger, string taxonomyVersion, string modelId, string reason);

    [LoggerMessage(22, LogLevel.Warning, "Could not store the class matrix of taxonomy {TaxonomyVersion} with model {ModelId} for other workers: {Reason}")]
    public static partial void ClassMatrixSharedWriteFailed(ILogger logger, string taxonomyVersion, string modelId, string reason);
}
