using Microsoft.Azure.Amqp;

namespace Clip.ServiceBusBroker.Amqp;

/// <summary>The claims-based-security node: every put-token is accepted, as the emulator does.</summary>
internal sealed class CbsNode(ReplyLinks replyLinks) : RequestResponseNode(replyLinks)
{
    public const string Address = "$cbs";

    protected override AmqpMessage Respond(AmqpMessage request, string operation) => operation == "put-token"
        ? CreateResponse(null, [new("status-code", 200), new("status-description", "OK")])
        : CreateResponse(null, [new("status-code", 400), new("status-description", $"Unsupported CBS operation '{operation}'.")]);
}
