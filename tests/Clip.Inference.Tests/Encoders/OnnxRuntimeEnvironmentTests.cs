using Clip.Inference.Encoders;
using Clip.TestUtilities;

namespace Clip.Inference.Tests.Encoders;

public sealed class OnnxRuntimeEnvironmentTests
{
    [Fact]
    public void CreatingSessionOptions_TurnsOnnxRuntimeTelemetryOffFirst()
    {
        var factory = new OnnxSessionFactory(new InferenceOptions { Device = ExecutionDevice.Cpu }, new RecordingLogger<OnnxSessionFactory>());

        using var options = factory.CreateSessionOptions(out _);

        Assert.True(OnnxRuntimeEnvironment.TelemetryDisabled);
        Assert.Equal("1", Environment.GetEnvironmentVariable(OnnxRuntimeEnvironment.DisableTelemetryVariable));
    }
}
