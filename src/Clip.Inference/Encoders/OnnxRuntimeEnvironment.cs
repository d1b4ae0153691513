using System.Runtime.InteropServices;
using Microsoft.ML.OnnxRuntime;

namespace Clip.Inference.Encoders;

/// <summary>
/// The process's one ONNX Runtime environment, with Microsoft's usage telemetry off before it exists. ONNX Runtime
/// 1.31 on Linux starts a OneDS client at environment creation that resolves <c>mobile.events.data.microsoft.com</c>,
/// and <see cref="OrtEnv.DisableTelemetryEvents"/> alone does not stop that lookup; only the native environment
/// variable <c>ORT_DISABLE_TELEMETRY</c>, read at creation, does. Every session is created through
/// <see cref="OnnxSessionFactory"/>, which calls <see cref="Initialize"/> first.
/// </summary>
public static partial class OnnxRuntimeEnvironment
{
    /// <summary>The variable ONNX Runtime reads; the worker and training images also set it.</summary>
    public const string DisableTelemetryVariable = "ORT_DISABLE_TELEMETRY";

    private static readonly Lazy<OrtEnv> Environment = new(Create);

    /// <summary>
    /// Whether ONNX Runtime's telemetry is off in this process: the native environment holds
    /// <see cref="DisableTelemetryVariable"/> = 1 and the environment's telemetry events are disabled.
    /// False before <see cref="Initialize"/>.
    /// </summary>
    public static bool TelemetryDisabled { get; private set; }

    /// <summary>Creates the environment, telemetry off, if this process has not yet; safe to call from any thread, any number of times.</summary>
    public static OrtEnv Initialize() => Environment.Value;

    private static OrtEnv Create()
    {
        // .NET keeps its own copy of the environment on Unix; native code reads libc's, so set it there.
        if (!OperatingSystem.IsWindows() && NativeGetenv(DisableTelemetryVariable) != "1" && NativeSetenv(DisableTelemetryVariable, "1", 1) != 0)
        {
            throw new InvalidOperationException($"Could not set {DisableTelemetryVariable} for ONNX Runtime.");
        }

        System.Environment.SetEnvironmentVariable(DisableTelemetryVariable, "1");
        var environment = OrtEnv.Instance();
        environment.DisableTelemetryEvents();
        TelemetryDisabled = OperatingSystem.IsWindows() || NativeGetenv(DisableTelemetryVariable) == "1";
        return environment;
    }

    [LibraryImport("libc", EntryPoint = "setenv", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int NativeSetenv(string name, string value, int overwrite);

    [LibraryImport("libc", EntryPoint = "getenv", StringMarshalling = StringMarshalling.Utf8)]
    private static partial nint NativeGetenvPointer(string name);

    private static string? NativeGetenv(string name) => Marshal.PtrToStringUTF8(NativeGetenvPointer(name));
}
