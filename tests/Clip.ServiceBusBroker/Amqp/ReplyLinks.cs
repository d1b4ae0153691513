using System.Collections.Concurrent;
using Microsoft.Azure.Amqp;

namespace Clip.ServiceBusBroker.Amqp;

/// <summary>
/// Client receivers of request/response nodes, by the reply-to address they named as target; a response goes to the
/// link whose address the request's <c>reply-to</c> holds.
/// </summary>
internal sealed class ReplyLinks
{
    private readonly ConcurrentDictionary<string, SendingAmqpLink> _byAddress = new(StringComparer.Ordinal);

    public void Attach(SendingAmqpLink link, string replyAddress)
    {
        _byAddress[replyAddress] = link;
        link.SafeAddClosed((_, _) => _byAddress.TryRemove(new KeyValuePair<string, SendingAmqpLink>(replyAddress, link)));
    }

    public bool IsAttached(string replyAddress) => _byAddress.ContainsKey(replyAddress);

    /// <returns>False when no link is attached for <paramref name="replyAddress"/>.</returns>
    public bool TrySend(string replyAddress, AmqpMessage response)
    {
        if (!_byAddress.TryGetValue(replyAddress, out var link))
        {
            return false;
        }

        link.SendMessageNoWait(response, new ArraySegment<byte>(Guid.NewGuid().ToByteArray()), AmqpConstants.NullBinary);
        return true;
    }
}
