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

    public void Send(string replyAddress, AmqpMessage response)
    {
        if (!_byAddress.TryGetValue(replyAddress, out var link))
        {
            throw new AmqpException(AmqpErrorCode.NotFound, $"No link is attached for the reply-to address '{replyAddress}'.");
        }

        link.SendMessageNoWait(response, new ArraySegment<byte>(Guid.NewGuid().ToByteArray()), AmqpConstants.NullBinary);
    }
}
