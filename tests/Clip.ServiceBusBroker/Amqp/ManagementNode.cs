using Microsoft.Azure.Amqp;
using Microsoft.Azure.Amqp.Encoding;

namespace Clip.ServiceBusBroker.Amqp;

/// <summary>A queue's <c>$management</c> node. Only lock renewal is implemented; other operations answer 501.</summary>
internal sealed class ManagementNode(BrokerQueue queue, ReplyLinks replyLinks) : RequestResponseNode(replyLinks)
{
    public const string AddressSuffix = "/$management";

    private const string RenewLockOperation = "com.microsoft:renew-lock";
    private static readonly MapKey LockTokensKey = new("lock-tokens");

    protected override AmqpMessage Respond(AmqpMessage request, string operation)
    {
        if (operation != RenewLockOperation)
        {
            return Failure(501, "amqp:not-implemented", $"The loopback broker does not implement '{operation}'.");
        }

        if (request.ValueBody?.Value is not AmqpMap body || !body.TryGetValue(LockTokensKey, out Guid[]? lockTokens) || lockTokens is null)
        {
            return Failure(400, "com.microsoft:argument-error", "The request has no lock-tokens.");
        }

        var expirations = new DateTime[lockTokens.Length];
        for (var i = 0; i < lockTokens.Length; i++)
        {
            if (queue.RenewLock(lockTokens[i]) is not { } lockedUntil)
            {
                return Failure(410, "com.microsoft:message-lock-lost", $"The lock {lockTokens[i]} is not held.");
            }

            expirations[i] = lockedUntil.UtcDateTime;
        }

        return CreateResponse(new AmqpMap { [new MapKey("expirations")] = expirations }, [new("statusCode", 200), new("statusDescription", "OK")]);
    }

    private static AmqpMessage Failure(int statusCode, string condition, string description) =>
        CreateResponse(null, [new("statusCode", statusCode), new("statusDescription", description), new("errorCondition", (AmqpSymbol)condition)]);
}
