using Clip.Inference.Bundles;
using Microsoft.Extensions.Logging;
using Microsoft.ML.OnnxRuntime;

namespace Clip.Inference.Encoders;

/// <summary>
/// Creates ONNX Runtime sessions on the configured execution provider. Sessions are expensive
/// and safe to share across threads: create one per model and device.
/// </summary>
public sealed class OnnxSessionFactory
{
    internal const string CudaProviderName = "CUDAExecutionProvider";

    private readonly InferenceOptions _options;
    private readonly ILogger _logger;
    private readonly Func<int, SessionOptions, SessionOptions> _appendCuda;

    public OnnxSessionFactory(InferenceOptions options, ILogger<OnnxSessionFactory> logger)
        : this(options, logger, AppendCuda)
    {
    }

    internal OnnxSessionFactory(InferenceOptions options, ILogger logger, Func<int, SessionOptions, SessionOptions> appendCuda)
    {
        _options = options;
        _logger = logger;
        _appendCuda = appendCuda;
    }

    /// <summary>Opens a model; the device actually used is reported through <paramref name="device"/>.</summary>
    public InferenceSession Create(string modelPath, out ExecutionDevice device)
    {
        using var sessionOptions = CreateSessionOptions(out device);
        try
        {
            return new InferenceSession(modelPath, sessionOptions);
        }
        catch (OnnxRuntimeException e)
        {
            throw new ModelBundleException(modelPath, $"ONNX Runtime cannot load this model: {e.Message}", e);
        }
    }

    internal SessionOptions CreateSessionOptions(out ExecutionDevice device)
    {
        OnnxRuntimeEnvironment.Initialize();
        var sessionOptions = CpuSessionOptions();
        device = ExecutionDevice.Cpu;
        if (_options.Device == ExecutionDevice.Cpu)
        {
            return sessionOptions;
        }

        try
        {
            _appendCuda(_options.DeviceId, sessionOptions);
            device = ExecutionDevice.Cuda;
            Log.CudaEnabled(_logger, _options.DeviceId);
            return sessionOptions;
        }
        catch (Exception e) when (e is OnnxRuntimeException or DllNotFoundException or EntryPointNotFoundException or ExecutionProviderUnavailableException)
        {
            if (_options.Device == ExecutionDevice.Cuda)
            {
                sessionOptions.Dispose();
                throw new ExecutionProviderUnavailableException(
                    $"CUDA execution provider could not be loaded for device {_options.DeviceId}: {e.Message} " +
                    "(is this the GPU build, -p:ClipGpu=true, with CUDA 13 and cuDNN on the library path?)",
                    e);
            }

            if (e is ExecutionProviderUnavailableException)
            {
                Log.CpuBuildUsesCpu(_logger);
            }
            else
            {
                Log.CudaUnavailableFallingBackToCpu(_logger, _options.DeviceId, e.Message);
            }

            // A failed append can leave the options half-configured; start again from clean ones.
            sessionOptions.Dispose();
            return CpuSessionOptions();
        }
    }

    private SessionOptions CpuSessionOptions()
    {
        var sessionOptions = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL };
        sessionOptions.AddSessionConfigEntry("session.intra_op.allow_spinning", _options.IntraOpSpinning ? "1" : "0");
        if (_options.IntraOpThreads > 0)
        {
            sessionOptions.IntraOpNumThreads = _options.IntraOpThreads;
        }

        return sessionOptions;
    }

    private static SessionOptions AppendCuda(int deviceId, SessionOptions options)
    {
        if (!OrtEnv.Instance().GetAvailableProviders().Contains(CudaProviderName))
        {
            throw new ExecutionProviderUnavailableException(
                "this ONNX Runtime build has no CUDA execution provider (build with -p:ClipGpu=true for Microsoft.ML.OnnxRuntime.Gpu.Linux)");
        }

        options.AppendExecutionProvider_CUDA(deviceId);
        return options;
    }
}
