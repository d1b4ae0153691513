namespace Clip.Deployment.Tests;

/// <summary><c>helm lint</c> and the values schema: what a user gets before anything reaches a cluster.</summary>
public sealed class ChartLintTests
{
    [Fact]
    public async Task Lint_DefaultValues_Passes()
    {
        var result = await Helm.LintAsync();

        Assert.True(result.ExitCode == 0, result.Output);
    }

    [Fact]
    public async Task Lint_ProductionValuesStrict_Passes()
    {
        var result = await Helm.LintAsync(["--strict", .. ChartValues.Production]);

        Assert.True(result.ExitCode == 0, result.Output);
    }

    [Fact]
    public async Task Lint_ProductionValuesWithTheReviewAppStrict_Passes()
    {
        var result = await Helm.LintAsync(["--strict", .. ChartValues.Production, .. ChartValues.ReviewEnabled, "--set", "review.ingress.enabled=true", "--set", "review.ingress.host=review.example.com"]);

        Assert.True(result.ExitCode == 0, result.Output);
    }

    [Fact]
    public async Task Template_DefaultValuesAlone_FailsNamingTheMissingSettings()
    {
        var refusal = await Helm.RefusalAsync();

        Assert.Contains("serviceBus.fullyQualifiedNamespace is required", refusal, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("serviceBus.queueName", "serviceBus.queueName is required")]
    [InlineData("sources.allowedContainers", "sources.allowedContainers needs at least one")]
    [InlineData("database.host", "database.host is required with database.authentication entra")]
    [InlineData("database.username", "database.username is required with database.authentication entra")]
    [InlineData("workloadIdentity.clientId", "workloadIdentity.clientId is required")]
    public async Task Template_RequiredSettingMissing_FailsNamingIt(string setting, string message)
    {
        var values = ChartValues.DefaultsWithRequired.Without(setting);

        var refusal = await Helm.RefusalAsync(values);

        Assert.Contains(message, refusal, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("database.authentication=password", "database.connectionStringSecret.name is required with database.authentication password")]
    [InlineData("database.connectionStringSecret.name=clip-db", "with entra there is no password")]
    [InlineData("workloadIdentity.enabled=false", "database.authentication entra signs in as the workload identity")]
    public async Task Template_DatabaseAuthenticationMisconfigured_FailsNamingTheFix(string setting, string message)
    {
        var refusal = await Helm.RefusalAsync(ChartValues.DefaultsWithRequired.With(setting));

        Assert.Contains(message, refusal, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("database.authentication=token")]
    [InlineData("database.sslMode=Disable")]
    [InlineData("database.username=clip;Password=x")]
    [InlineData("inference.device=tpu")]
    [InlineData("pipeline.batchSize=0")]
    [InlineData("pipeline.shutdownGracePeriodSeconds=7200")]
    [InlineData("model.source=s3")]
    [InlineData("database.provider=mysql")]
    [InlineData("sources.allowedContainers[0]=http://clipdev.blob.core.windows.net/images")]
    [InlineData("serviceBus.maxLockRenewalDuration=10 minutes")]
    [InlineData("workloadIdentity.clientId=not-a-guid")]
    [InlineData("retraining.workloadIdentity.clientId=not-a-guid")]
    [InlineData("retraining.database.username=clip;Password=x")]
    [InlineData("retraining.serviceAccount.name=Not_A_Name")]
    [InlineData("review.azureAd.clientId=not-a-guid")]
    [InlineData("review.azureAd.instance=login.microsoftonline.com")]
    [InlineData("review.ingress.host=https://review.example.com/")]
    [InlineData("review.database.username=clip;Password=x")]
    [InlineData("review.serviceAccount.name=Not_A_Name")]
    [InlineData("review.port=0")]
    [InlineData("review.signIn=typo-of-azureAd")]
    [InlineData("database.maxPoolSize=0")]
    [InlineData("serviceBus.queue=typo-of-queueName")]
    public async Task Template_ValueViolatingSchema_Fails(string violation)
    {
        var refusal = await Helm.RefusalAsync(ChartValues.DefaultsWithRequired.With(violation));

        Assert.Contains("schema", refusal, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task LintAndTemplate_ValuesFileViolatingSchema_Fail()
    {
        using var directory = new Clip.TestUtilities.TemporaryDirectory();
        var file = Path.Combine(directory.Path, "bad-values.yaml");
        await File.WriteAllTextAsync(file, """
            pipeline:
              batchSize: "lots"
            keda:
              enabled: "yes"
            """);

        var lint = await Helm.LintAsync(["-f", file, .. ChartValues.DefaultsWithRequired]);
        var template = await Helm.TemplateAsync(["-f", file, .. ChartValues.DefaultsWithRequired]);

        Assert.NotEqual(0, lint.ExitCode);
        Assert.Contains("pipeline", lint.Output, StringComparison.Ordinal);
        Assert.NotEqual(0, template.ExitCode);
        Assert.Contains("batchSize", template.Output, StringComparison.Ordinal);
    }
}
