using System.Text;
using Clip.Ingestion.Events;

namespace Clip.Ingestion.Tests.Events;

public sealed class BlobCreatedEventParserTests
{
    private static readonly BlobCreatedEventParser Parser = new();

    private static IReadOnlyList<ParsedEvent> Parse(string json) => Parser.Parse(Encoding.UTF8.GetBytes(json));

    [Fact]
    public void Parse_EventGridBlobCreated_ReturnsBlobFromSubjectAndData()
    {
        var parsed = Assert.Single(Parse(SampleEvents.EventGridBlobCreated));

        var blob = Assert.IsType<BlobCreatedEvent>(parsed);
        Assert.Equal("831e1650-001e-001b-66ab-eeb76e069631", blob.Id);
        Assert.Equal("images", blob.Container);
        Assert.Equal("cats/tabby 01.jpg", blob.BlobName);
        Assert.Equal("https://myaccount.blob.core.windows.net/images/cats/tabby%2001.jpg", blob.BlobUri.OriginalString);
        Assert.Equal("0x8D4BCC2E4835CD0", blob.ETag);
        Assert.Equal(524288, blob.ContentLength);
        Assert.Equal("image/jpeg", blob.ContentType);
        Assert.Equal("PutBlob", blob.Api);
    }

    [Fact]
    public void Parse_CloudEventBlobCreated_ReturnsBlob()
    {
        var blob = Assert.IsType<BlobCreatedEvent>(Assert.Single(Parse(SampleEvents.CloudEventBlobCreated)));

        Assert.Equal("9aeb0fdf-c01e-0131-0922-9eb54906e209", blob.Id);
        Assert.Equal("images", blob.Container);
        Assert.Equal("dog.png", blob.BlobName);
        Assert.Equal(30699, blob.ContentLength);
        Assert.Equal("PutBlockList", blob.Api);
    }

    [Fact]
    public void Parse_AzuritePathStyleUrl_ReturnsBlob()
    {
        var blob = Assert.IsType<BlobCreatedEvent>(Assert.Single(Parse(SampleEvents.AzuriteCloudEvent)));

        Assert.Equal("local/cat.jpg", blob.BlobName);
        Assert.Null(blob.ContentLength);
    }

    [Fact]
    public void Parse_ArrayMixingCreatedAndDeleted_KeepsOrderAndIgnoresDeletedWithReason()
    {
        var parsed = Parse($"[{SampleEvents.EventGridBlobCreated},{SampleEvents.EventGridBlobDeleted},{SampleEvents.CloudEventBlobCreated}]");

        Assert.Equal(3, parsed.Count);
        Assert.IsType<BlobCreatedEvent>(parsed[0]);
        var ignored = Assert.IsType<IgnoredEvent>(parsed[1]);
        Assert.Equal("4c2359fe-001e-00ba-0e04-58586806d298", ignored.Id);
        Assert.Equal("Microsoft.Storage.BlobDeleted", ignored.EventType);
        Assert.Contains("BlobDeleted", ignored.Reason, StringComparison.Ordinal);
        Assert.IsType<BlobCreatedEvent>(parsed[2]);
    }

    [Fact]
    public void Parse_SubscriptionValidationEvent_IsIgnored()
    {
        const string json = """
            [{ "id": "2d1781af-3a4c-4d7c-bd0c-e34b19da4e66", "topic": "/subscriptions/x", "subject": "",
               "data": { "validationCode": "512d38b6-c7b8-40c8-89fe-f46f9e9622b6" },
               "eventType": "Microsoft.EventGrid.SubscriptionValidationEvent", "eventTime": "2018-01-25T22:12:19.4556811Z",
               "metadataVersion": "1", "dataVersion": "1" }]
            """;

        var ignored = Assert.IsType<IgnoredEvent>(Assert.Single(Parse(json)));

        Assert.Equal("Microsoft.EventGrid.SubscriptionValidationEvent", ignored.EventType);
    }

    [Fact]
    public void Parse_ExactlyMaxEvents_Succeeds()
    {
        var parser = new BlobCreatedEventParser(new EventParserOptions { MaxEventsPerMessage = 3 });
        var body = Encoding.UTF8.GetBytes($"[{SampleEvents.CloudEventBlobCreated},{SampleEvents.CloudEventBlobCreated},{SampleEvents.CloudEventBlobCreated}]");

        Assert.Equal(3, parser.Parse(body).Count);
    }

    [Fact]
    public void Parse_MoreThanMaxEvents_ThrowsTooManyEvents()
    {
        var parser = new BlobCreatedEventParser(new EventParserOptions { MaxEventsPerMessage = 2 });
        var body = Encoding.UTF8.GetBytes($"[{SampleEvents.CloudEventBlobCreated},{SampleEvents.CloudEventBlobCreated},{SampleEvents.CloudEventBlobCreated}]");

        var ex = Assert.Throws<MalformedEventException>(() => parser.Parse(body));

        Assert.Equal(MalformedEventReason.TooManyEvents, ex.ReasonCode);
    }

    [Fact]
    public void Parse_BodyOverLimit_ThrowsBodyTooLargeBeforeParsing()
    {
        var parser = new BlobCreatedEventParser(new EventParserOptions { MaxBodyBytes = 16 });

        var ex = Assert.Throws<MalformedEventException>(() => parser.Parse(new byte[17]));

        Assert.Equal(MalformedEventReason.BodyTooLarge, ex.ReasonCode);
    }

    [Fact]
    public void Parse_InvalidUtf8_ThrowsNotJsonWithoutRawJsonException()
    {
        var ex = Assert.Throws<MalformedEventException>(() => Parser.Parse(new byte[] { 0x7B, 0xFF, 0xFE, 0x7D }));

        Assert.Equal(MalformedEventReason.NotJson, ex.ReasonCode);
    }

    public static TheoryData<string, string> MalformedBodies => new()
    {
        { "", MalformedEventReason.NotJson },
        { "not json", MalformedEventReason.NotJson },
        { "{\"id\":", MalformedEventReason.NotJson },
        { "[{}] trailing", MalformedEventReason.NotJson },
        { "\"a string\"", MalformedEventReason.NotObjectOrArray },
        { "42", MalformedEventReason.NotObjectOrArray },
        { "null", MalformedEventReason.NotObjectOrArray },
        { "[]", MalformedEventReason.EmptyBatch },
        { "[1]", MalformedEventReason.InvalidField },
        { "[null]", MalformedEventReason.InvalidField },
        { "[[]]", MalformedEventReason.InvalidField },
        { "{}", MalformedEventReason.MissingField },
        { """{"eventType":"Microsoft.Storage.BlobCreated","eventTime":"2024-01-01T00:00:00Z"}""", MalformedEventReason.MissingField },
        { """{"id":"","eventType":"Microsoft.Storage.BlobCreated","eventTime":"2024-01-01T00:00:00Z"}""", MalformedEventReason.MissingField },
        { """{"id":7,"eventType":"Microsoft.Storage.BlobCreated","eventTime":"2024-01-01T00:00:00Z"}""", MalformedEventReason.InvalidField },
        { """{"id":"a","eventType":true,"eventTime":"2024-01-01T00:00:00Z"}""", MalformedEventReason.InvalidField },
        { """{"id":"a","eventType":"Microsoft.Storage.BlobCreated"}""", MalformedEventReason.MissingField },
        { """{"id":"a","eventType":"Microsoft.Storage.BlobCreated","eventTime":"yesterday"}""", MalformedEventReason.InvalidField },
        { """{"id":"a","eventType":"Microsoft.Storage.BlobCreated","eventTime":"2024-01-01T00:00:00Z","data":{"url":"https://a.blob.core.windows.net/c/b"}}""", MalformedEventReason.MissingField },
        { """{"id":"a","eventType":"Microsoft.Storage.BlobCreated","eventTime":"2024-01-01T00:00:00Z","subject":"/blobServices/default/containers/c/blobs/b"}""", MalformedEventReason.MissingField },
        { """{"id":"a","eventType":"Microsoft.Storage.BlobCreated","eventTime":"2024-01-01T00:00:00Z","subject":"/blobServices/default/containers/c/blobs/b","data":"x"}""", MalformedEventReason.InvalidField },
        { """{"id":"a","eventType":"Microsoft.Storage.BlobCreated","eventTime":"2024-01-01T00:00:00Z","subject":"/blobServices/default/containers/c/blobs/b","data":{}}""", MalformedEventReason.MissingField },
        { """{"id":"a","eventType":"Microsoft.Storage.BlobCreated","eventTime":"2024-01-01T00:00:00Z","subject":"/blobServices/default/containers/c/blobs/b","data":{"url":"/c/b"}}""", MalformedEventReason.InvalidField },
        { """{"id":"a","eventType":"Microsoft.Storage.BlobCreated","eventTime":"2024-01-01T00:00:00Z","subject":"/blobServices/default/containers/c/blobs/b","data":{"url":"file:///c/b"}}""", MalformedEventReason.InvalidField },
        { """{"id":"a","eventType":"Microsoft.Storage.BlobCreated","eventTime":"2024-01-01T00:00:00Z","subject":"/blobServices/default/containers/c/blobs/b","data":{"url":"https://a%2Eblob.core.windows.net/c/b"}}""", MalformedEventReason.InvalidField },
        { """{"id":"a","eventType":"Microsoft.Storage.BlobCreated","eventTime":"2024-01-01T00:00:00Z","subject":"/containers/c/blobs/b","data":{"url":"https://a.blob.core.windows.net/c/b"}}""", MalformedEventReason.InvalidField },
        { """{"id":"a","eventType":"Microsoft.Storage.BlobCreated","eventTime":"2024-01-01T00:00:00Z","subject":"/blobServices/default/containers/c/blobs/","data":{"url":"https://a.blob.core.windows.net/c/b"}}""", MalformedEventReason.InvalidField },
        { """{"id":"a","eventType":"Microsoft.Storage.BlobCreated","eventTime":"2024-01-01T00:00:00Z","subject":"/blobServices/default/containers//blobs/b","data":{"url":"https://a.blob.core.windows.net/c/b"}}""", MalformedEventReason.InvalidField },
        { """{"specversion":"0.3","type":"Microsoft.Storage.BlobCreated","source":"/s","id":"a"}""", MalformedEventReason.UnsupportedSchema },
        { """{"specversion":1.0,"type":"Microsoft.Storage.BlobCreated","source":"/s","id":"a"}""", MalformedEventReason.UnsupportedSchema },
        { """{"specversion":"1.0","type":"Microsoft.Storage.BlobCreated","id":"a"}""", MalformedEventReason.MissingField },
        { """{"specversion":"1.0","eventType":"Microsoft.Storage.BlobCreated","source":"/s","id":"a"}""", MalformedEventReason.MissingField },
    };

    [Theory]
    [MemberData(nameof(MalformedBodies))]
    public void Parse_MalformedBody_ThrowsWithReasonCode(string json, string reasonCode)
    {
        var ex = Assert.Throws<MalformedEventException>(() => Parse(json));

        Assert.Equal(reasonCode, ex.ReasonCode);
        Assert.False(string.IsNullOrWhiteSpace(ex.Message));
    }

    public static TheoryData<string, string, string, string> MismatchedSubjects => new()
    {
        { "images", "cat.jpg", "https://a.blob.core.windows.net/other/cat.jpg", MalformedEventReason.SubjectMismatch },
        { "images", "cat.jpg", "https://a.blob.core.windows.net/images/dog.jpg", MalformedEventReason.SubjectMismatch },
        { "images", "cat.jpg", "https://a.blob.core.windows.net/images/x/cat.jpg", MalformedEventReason.SubjectMismatch },
        { "images", "cat.jpg", "https://a.blob.core.windows.net/x/y/images/cat.jpg", MalformedEventReason.SubjectMismatch },
        { "images", "cat.jpg", "https://a.blob.core.windows.net/secret/../images/cat.jpg", MalformedEventReason.SubjectMismatch },
        { "images", "cat.jpg", "https://a.blob.core.windows.net/images/cat.jpg/", MalformedEventReason.SubjectMismatch },
        { "images", "cat.jpg", "https://a.blob.core.windows.net", MalformedEventReason.SubjectMismatch },
        { "images", "cat.jpg", "https://a.blob.core.windows.net/Images/cat.jpg", MalformedEventReason.SubjectMismatch },
    };

    [Theory]
    [MemberData(nameof(MismatchedSubjects))]
    public void Parse_SubjectDisagreesWithUrl_ThrowsSubjectMismatch(string container, string blob, string url, string reasonCode)
    {
        var ex = Assert.Throws<MalformedEventException>(() => Parse(SampleEvents.EventGrid(container, blob, url)));

        Assert.Equal(reasonCode, ex.ReasonCode);
    }

    [Theory]
    [InlineData(""", "contentLength": "12" """)]
    [InlineData(""", "contentLength": -1 """)]
    [InlineData(""", "contentLength": 1.5 """)]
    [InlineData(""", "contentLength": 1e30 """)]
    [InlineData(""", "eTag": 5 """)]
    [InlineData(""", "contentType": ["image/png"] """)]
    [InlineData(""", "api": {} """)]
    public void Parse_DataFieldOfWrongType_ThrowsInvalidField(string extraData)
    {
        var json = SampleEvents.EventGrid("images", "cat.jpg", "https://a.blob.core.windows.net/images/cat.jpg", extraData);

        var ex = Assert.Throws<MalformedEventException>(() => Parse(json));

        Assert.Equal(MalformedEventReason.InvalidField, ex.ReasonCode);
    }

    [Fact]
    public void Parse_ETagLongerThanAnyStorageETag_ThrowsInvalidField()
    {
        var etag = new string('e', 257);
        var json = SampleEvents.EventGrid("images", "cat.jpg", "https://a.blob.core.windows.net/images/cat.jpg", $$""", "eTag": "{{etag}}" """);

        var ex = Assert.Throws<MalformedEventException>(() => Parse(json));

        Assert.Equal(MalformedEventReason.InvalidField, ex.ReasonCode);
        Assert.Contains("data.eTag", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_NullOptionalFields_AreAbsent()
    {
        var json = SampleEvents.EventGrid(
            "images", "cat.jpg", "https://a.blob.core.windows.net/images/cat.jpg", """, "contentLength": null, "eTag": null """);

        var blob = Assert.IsType<BlobCreatedEvent>(Assert.Single(Parse(json)));

        Assert.Null(blob.ContentLength);
        Assert.Null(blob.ETag);
    }

    [Fact]
    public void Parse_DeeplyNestedJson_ThrowsNotJson()
    {
        var json = new string('[', 200) + new string(']', 200);

        var ex = Assert.Throws<MalformedEventException>(() => Parse(json));

        Assert.Equal(MalformedEventReason.NotJson, ex.ReasonCode);
    }
}
