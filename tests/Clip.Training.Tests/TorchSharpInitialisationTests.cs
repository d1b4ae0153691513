using static TorchSharp.torch;

namespace Clip.Training.Tests;

public sealed class TorchSharpInitialisationTests
{
    [Fact]
    public void Torch_InThisProcess_ComputesAndTakesAGradientStep()
    {
        using var scope = NewDisposeScope();
        var weight = new TorchSharp.Modules.Parameter(tensor(new[] { 1.0f, -2.0f }));
        var input = tensor(new[] { 3.0f, 4.0f });

        var loss = (weight * input).sum().pow(2);
        loss.backward();
        // d(w·x)²/dw = 2(w·x)x = 2·(-5)·[3, 4]
        var gradient = weight.grad!.data<float>().ToArray();
        using var optimizer = optim.SGD(new[] { weight }, 0.01);
        optimizer.step();

        Assert.Equal(25.0f, loss.item<float>(), 3);
        Assert.Equal(new[] { -30.0f, -40.0f }, gradient);
        Assert.Equal(new[] { 1.3f, -1.6f }, weight.data<float>().ToArray(), (a, b) => Math.Abs(a - b) < 1e-5f);
    }
}
