using Microsoft.Azure.Amqp;
using Microsoft.Azure.Amqp.Encoding;
using Microsoft.Azure.Amqp.Framing;

namespace Clip.ServiceBusBroker.Amqp;

/// <summary>
/// A node the client calls like a service (<c>$cbs</c>, <c>&lt;queue&gt;/$management</c>): requests arrive on a link
/// targeting the node, and each response goes to the request's reply-to link, correlated by the request's message id.
/// </summary>
internal abstract class RequestResponseNode(ReplyLinks replyLinks)
{
    public void AttachRequestLink(ReceivingAmqpLink link) =>
        link.RegisterMessageListener(request => OnRequest(link, request));

    protected abstract AmqpMessage Respond(AmqpMessage request, string operation);

    protected static AmqpMessage CreateResponse(object? body, IEnumerable<KeyValuePair<string, object>> applicationProperties)
    {
        var response = AmqpMessage.Create(new AmqpValue { Value = body });
        response.ApplicationProperties = new ApplicationProperties();
        foreach (var (name, value) in applicationProperties)
        {
            response.ApplicationProperties.Map[name] = value;
        }

        return response;
    }

    private void OnRequest(ReceivingAmqpLink link, AmqpMessage request)
    {
        using (request)
        {
            var replyTo = request.Properties.ReplyTo?.ToString();
            if (replyTo is null || !replyLinks.IsAttached(replyTo))
            {
                var error = new Error { Condition = AmqpErrorCode.InvalidField, Description = $"No reply link is attached for reply-to '{replyTo}'." };
                link.DisposeMessage(request, new Rejected { Error = error }, settled: true, batchable: false);
                return;
            }

            var operation = request.ApplicationProperties?.Map.TryGetValue(new MapKey("operation"), out string? name) == true ? name : null;
            var response = Respond(request, operation ?? "");
            response.Properties.CorrelationId = request.Properties.MessageId;
            link.DisposeMessage(request, AmqpConstants.AcceptedOutcome, settled: true, batchable: false);
            // The reply link can detach in between; the client then times out, as it would against Service Bus.
            replyLinks.TrySend(replyTo, response);
        }
    }
}
