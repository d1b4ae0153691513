using Clip.TestUtilities;

namespace Clip.Ingestion.Tests.Blobs;

[CollectionDefinition(Name)]
public sealed class AzuriteServerDefinition : ICollectionFixture<AzuriteServer>
{
    public const string Name = "Azurite server";
}
