namespace Clip.Persistence.Tests;

/// <summary>Class matrices shared between workers.</summary>
public abstract partial class LabelStoreContract
{
    [Fact]
    public async Task SaveClassMatrixAsync_ThenFind_GivesTheSameBytesForThatKeyOnly()
    {
        var matrix = new byte[3 * 1024 * 1024];
        new Random(11).NextBytes(matrix);

        await Store.SaveClassMatrixAsync(Outcomes.Model, Outcomes.Taxonomy, matrix);

        Assert.Equal(matrix, await Store.FindClassMatrixAsync(Outcomes.Model, Outcomes.Taxonomy));
        Assert.Null(await Store.FindClassMatrixAsync(OtherModel, Outcomes.Taxonomy));
        Assert.Null(await Store.FindClassMatrixAsync(Outcomes.Model, "sha256:another-taxonomy"));
    }

    [Fact]
    public async Task SaveClassMatrixAsync_TwoWorkersStoreTheSameKey_TheFirstIsKept()
    {
        await Store.SaveClassMatrixAsync(Outcomes.Model, Outcomes.Taxonomy, [1, 2, 3]);
        await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Store.SaveClassMatrixAsync(Outcomes.Model, Outcomes.Taxonomy, [9, 9])));

        Assert.Equal([1, 2, 3], await Store.FindClassMatrixAsync(Outcomes.Model, Outcomes.Taxonomy));
        Assert.Equal(1, await CountAsync("class_matrices"));
    }
}
