using System.Text;
using System.Text.Json;
using Clip.Ingestion.Events;

namespace Clip.Ingestion.Tests.Events;

public sealed class DeadLetterBlobTests
{
    private static IReadOnlyList<DeadLetteredEvent> Parse(string json) => DeadLetterBlob.Parse(Encoding.UTF8.GetBytes(json));

    // The sample event as Event Grid writes it to a dead-letter blob: the published event plus the dead-letter properties.
    private static string DeadLettered(string eventJson) =>
        eventJson.TrimEnd().TrimEnd('}') + """
            ,
              "deadLetterReason": "MaxDeliveryAttemptsExceeded",
              "deliveryAttempts": 30,
              "lastDeliveryOutcome": "NotFound",
              "lastHttpStatusCode": 404,
              "publishTime": "2017-06-26T18:41:01.1234567Z",
              "lastDeliveryAttemptTime": "2017-06-27T18:40:00.7654321Z"
            }
            """;

    [Fact]
    public void Parse_DeadLetteredBatch_GivesEachEventAsTheQueueReceivesItWithoutDeadLetterProperties()
    {
        var events = Parse($"[{DeadLettered(SampleEvents.EventGridBlobCreated)}, {DeadLettered(SampleEvents.CloudEventBlobCreated)}]");

        Assert.Equal(["831e1650-001e-001b-66ab-eeb76e069631", "9aeb0fdf-c01e-0131-0922-9eb54906e209"], events.Select(e => e.Id));
        Assert.Equal(events.Select(e => e.Id), events.Select(e => e.MessageId));
        Assert.All(events, e => Assert.Equal("MaxDeliveryAttemptsExceeded", e.DeadLetterReason));
        var parser = new BlobCreatedEventParser();
        foreach (var (replayed, live) in events.Zip([SampleEvents.EventGridBlobCreated, SampleEvents.CloudEventBlobCreated]))
        {
            using var body = JsonDocument.Parse(replayed.Body);
            Assert.Equal(JsonObject(live), JsonObject(Encoding.UTF8.GetString(replayed.Body)));
            Assert.DoesNotContain(body.RootElement.EnumerateObject(), p => DeadLetterBlob.DeadLetterProperties.Contains(p.Name));
            Assert.Equal(parser.Parse(Encoding.UTF8.GetBytes(live)), parser.Parse(replayed.Body));
        }
    }

    [Theory]
    [InlineData("not json", MalformedEventReason.NotJson)]
    [InlineData("{\"id\": \"a\"}", MalformedEventReason.NotObjectOrArray)]
    [InlineData("[]", MalformedEventReason.EmptyBatch)]
    [InlineData("[1]", MalformedEventReason.InvalidField)]
    [InlineData("[{\"eventType\": \"Microsoft.Storage.BlobCreated\"}]", MalformedEventReason.MissingField)]
    [InlineData("[{\"id\": 7}]", MalformedEventReason.MissingField)]
    public void Parse_NotADeadLetterBatch_ThrowsWithAReason(string json, string reason)
    {
        var e = Assert.Throws<MalformedEventException>(() => Parse(json));

        Assert.Equal(reason, e.ReasonCode);
    }

    [Fact]
    public void MessageIdFor_IdLongerThanAMessageIdMayBe_IsItsStableHash()
    {
        var id = new string('x', 200);

        var messageId = DeadLetterBlob.MessageIdFor(id);

        Assert.Equal(messageId, DeadLetterBlob.MessageIdFor(id));
        Assert.StartsWith("sha256:", messageId, StringComparison.Ordinal);
        Assert.InRange(messageId.Length, 1, 128);
        Assert.NotEqual(messageId, DeadLetterBlob.MessageIdFor(id + "y"));
    }

    private static string JsonObject(string json) => System.Text.Json.Nodes.JsonNode.Parse(json)!.ToJsonString();
}
