namespace Clip.Ingestion.Tests.Events;

/// <summary>BlobCreated events shaped like the documented Event Grid and CloudEvents 1.0 samples.</summary>
internal static class SampleEvents
{
    public const string EventGridBlobCreated = """
        {
          "topic": "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-clip/providers/Microsoft.Storage/storageAccounts/myaccount",
          "subject": "/blobServices/default/containers/images/blobs/cats/tabby 01.jpg",
          "eventType": "Microsoft.Storage.BlobCreated",
          "id": "831e1650-001e-001b-66ab-eeb76e069631",
          "data": {
            "api": "PutBlob",
            "clientRequestId": "6d79dbfb-0e37-4fc4-981f-442c9ca65760",
            "requestId": "831e1650-001e-001b-66ab-eeb76e000000",
            "eTag": "0x8D4BCC2E4835CD0",
            "contentType": "image/jpeg",
            "contentLength": 524288,
            "blobType": "BlockBlob",
            "url": "https://myaccount.blob.core.windows.net/images/cats/tabby%2001.jpg",
            "sequencer": "00000000000004420000000000028963",
            "storageDiagnostics": { "batchId": "b68529f3-68cd-4744-baa4-3c0498ec19f0" }
          },
          "dataVersion": "",
          "metadataVersion": "1",
          "eventTime": "2017-06-26T18:41:00.9584103Z"
        }
        """;

    public const string CloudEventBlobCreated = """
        {
          "specversion": "1.0",
          "type": "Microsoft.Storage.BlobCreated",
          "source": "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-clip/providers/Microsoft.Storage/storageAccounts/myaccount",
          "id": "9aeb0fdf-c01e-0131-0922-9eb54906e209",
          "time": "2019-11-18T15:13:39.4589254Z",
          "subject": "/blobServices/default/containers/images/blobs/dog.png",
          "dataschema": "#",
          "data": {
            "api": "PutBlockList",
            "clientRequestId": "4c5dd7fb-2c48-4a27-bb30-5361b5de920a",
            "requestId": "9aeb0fdf-c01e-0131-0922-9eb549000000",
            "eTag": "0x8D76C39E4407333",
            "contentType": "image/png",
            "contentLength": 30699,
            "blobType": "BlockBlob",
            "url": "https://myaccount.blob.core.windows.net/images/dog.png",
            "sequencer": "000000000000000000000000000099240000000000c41c18",
            "storageDiagnostics": { "batchId": "681fe319-3006-00a8-0022-9e7cde000000" }
          }
        }
        """;

    public const string EventGridBlobDeleted = """
        {
          "topic": "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-clip/providers/Microsoft.Storage/storageAccounts/myaccount",
          "subject": "/blobServices/default/containers/images/blobs/old.jpg",
          "eventType": "Microsoft.Storage.BlobDeleted",
          "id": "4c2359fe-001e-00ba-0e04-58586806d298",
          "data": {
            "api": "DeleteBlob",
            "contentType": "image/jpeg",
            "blobType": "BlockBlob",
            "url": "https://myaccount.blob.core.windows.net/images/old.jpg"
          },
          "dataVersion": "",
          "metadataVersion": "1",
          "eventTime": "2017-11-07T20:09:22.5674003Z"
        }
        """;

    public const string AzuriteCloudEvent = """
        {
          "specversion": "1.0",
          "type": "Microsoft.Storage.BlobCreated",
          "source": "/devstoreaccount1",
          "id": "azurite-1",
          "subject": "/blobServices/default/containers/images/blobs/local/cat.jpg",
          "data": { "url": "http://127.0.0.1:10000/devstoreaccount1/images/local/cat.jpg", "api": "PutBlob" }
        }
        """;

    /// <summary>An Event Grid BlobCreated event with the given subject path and URL.</summary>
    public static string EventGrid(string container, string blob, string url, string extraData = "") => $$"""
        {
          "subject": "/blobServices/default/containers/{{container}}/blobs/{{blob}}",
          "eventType": "Microsoft.Storage.BlobCreated",
          "id": "e-1",
          "eventTime": "2024-05-01T10:00:00Z",
          "data": { "url": "{{url}}"{{extraData}} }
        }
        """;
}
