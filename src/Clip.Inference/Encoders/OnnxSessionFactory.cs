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

    private const string NoCudaProviderInBuild =
        "this ONNX Runtime build has no CUDA execution provider (build with -p:ClipGpu=true for Microsoft.ML.OnnxRuntime.Gpu.Linux)";

    private readonly InferenceOptions _options;
    private readonly ILogger _logger;
    private readonly Func<bool> _cudaProviderInBuild;
    private readonly Func<int, SessionOptions, SessionOptions> _appendCuda;

    // Asked once per factory: the driver is queried, and its answer logged, once however many sessions follow.
    private readonly Lazy<bool> _preflightPassed;

    public OnnxSessionFactory(InferenceOptions options, ILogger<OnnxSessionFactory> logger)
        : this(options, logger, CudaProviderInBuild, AppendCuda, new NvidiaDriver())
    {
    }

    internal OnnxSessionFactory(
        InferenceOptions options,
        ILogger logger,
        Func<bool> cudaProviderInBuild,
        Func<int, SessionOptions, SessionOptions> appendCuda,
        INvidiaDriver driver)
    {
        _options = options;
        _logger = logger;
        _cudaProviderInBuild = cudaProviderInBuild;
        _appendCuda = appendCuda;
        _preflightPassed = new Lazy<bool>(() => RunPreflight(driver));
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

    /// <summary>The device sessions of this factory run on, found as creating one would find it.</summary>
    public ExecutionDevice ResolveDevice()
    {
        using var sessionOptions = CreateSessionOptions(out var device);
        return device;
    }

    internal SessionOptions CreateSessionOptions(out ExecutionDevice device)
    {
        OnnxRuntimeEnvironment.Initialize();
        device = ExecutionDevice.Cpu;
        if (_options.Device == ExecutionDevice.Cpu)
        {
            return CpuSessionOptions();
        }

        if (!_cudaProviderInBuild())
        {
            if (_options.Device == ExecutionDevice.Cuda)
            {
                throw CudaProviderUnavailable(new ExecutionProviderUnavailableException(NoCudaProviderInBuild));
            }

            Log.CpuBuildUsesCpu(_logger);
            return CpuSessionOptions();
        }

        if (!_preflightPassed.Value)
        {
            return CpuSessionOptions();
        }

        var sessionOptions = CpuSessionOptions();
        try
        {
            _appendCuda(_options.DeviceId, sessionOptions);
            device = ExecutionDevice.Cuda;
            Log.CudaEnabled(_logger, _options.DeviceId);
            return sessionOptions;
        }
        catch (Exception e) when (e is OnnxRuntimeException or DllNotFoundException or EntryPointNotFoundException)
        {
            // A failed append can leave the options half-configured; start again from clean ones.
            sessionOptions.Dispose();
            if (_options.Device == ExecutionDevice.Cuda)
            {
                throw CudaProviderUnavailable(e);
            }

            Log.CudaUnavailableFallingBackToCpu(_logger, _options.DeviceId, e.Message);
            return CpuSessionOptions();
        }
    }

    private ExecutionProviderUnavailableException CudaProviderUnavailable(Exception e) =>
        new(
            $"CUDA execution provider could not be loaded for device {_options.DeviceId}: {e.Message} " +
            "(is this the GPU build, -p:ClipGpu=true, with CUDA 13 and cuDNN on the library path?)",
            e);

    /// <returns>False when Auto falls back to CPU; with Cuda, a failed preflight throws.</returns>
    private bool RunPreflight(INvidiaDriver driver)
    {
        GpuPreflightReport report;
        try
        {
            report = GpuPreflight.Check(driver, _options.DeviceId);
        }
        catch (ExecutionProviderUnavailableException e) when (_options.Device == ExecutionDevice.Auto)
        {
            Log.GpuPreflightFailedFallingBackToCpu(_logger, _options.DeviceId, e.Message);
            return false;
        }

        Log.GpuPreflightPassed(
            _logger,
            report.DriverVersion ?? "(version unknown without NVML)",
            report.CudaVersion.ToString(),
            report.Device.Ordinal,
            report.Device.Name,
            report.Device.ComputeCapability.ToString());
        return true;
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

    private static bool CudaProviderInBuild() => OrtEnv.Instance().GetAvailableProviders().Contains(CudaProviderName);

    private static SessionOptions AppendCuda(int deviceId, SessionOptions options)
    {
        options.AppendExecutionProvider_CUDA(deviceId);
        return options;
    }
}
