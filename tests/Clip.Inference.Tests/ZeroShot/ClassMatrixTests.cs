using Clip.Inference.ZeroShot;

namespace Clip.Inference.Tests.ZeroShot;

public sealed class ClassMatrixTests
{
    [Fact]
    public void Constructor_KeepsACopyOfTheValuesAsGiven()
    {
        float[] values = [3f, 4f, 0.6f, -0.8f];

        var matrix = new ClassMatrix("m", "v", ["a", "b"], values, 2);
        values[0] = 99f;

        Assert.Equal(new[] { 3f, 4f, 0.6f, -0.8f }, matrix.Values.ToArray());
        Assert.Equal(new[] { 0.6f, -0.8f }, matrix.Row(1).ToArray());
        Assert.Equal((2, 2), (matrix.Count, matrix.Dimension));
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(2)]
    public void Row_OutsideTheClasses_Throws(int index)
    {
        var matrix = new ClassMatrix("m", "v", ["a", "b"], [1f, 0f, 0f, 1f], 2);

        Assert.Throws<ArgumentOutOfRangeException>(() => matrix.Row(index).ToArray());
    }

    [Fact]
    public void Constructor_ValuesOfAnotherShape_Throws()
    {
        var error = Assert.Throws<ArgumentException>(() => new ClassMatrix("m", "v", ["a", "b"], [1f, 0f, 0f], 2));

        Assert.Equal("values", error.ParamName);
    }
}
