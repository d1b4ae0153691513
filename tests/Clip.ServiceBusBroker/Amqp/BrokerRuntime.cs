using Microsoft.Azure.Amqp;
using Microsoft.Azure.Amqp.Framing;
using Microsoft.Azure.Amqp.Transport;

namespace Clip.ServiceBusBroker.Amqp;

/// <summary>
/// Creates the server side of connections, sessions and links, and routes each attached link by address: <c>$cbs</c>,
/// <c>&lt;queue&gt;/$management</c>, or a queue (including <c>&lt;queue&gt;/$DeadLetterQueue</c>).
/// </summary>
internal sealed class BrokerRuntime : IRuntimeProvider
{
    private const uint CreditPerSender = 1000;

    private readonly Func<string, BrokerQueue?> _findQueue;
    private readonly ulong _maxMessageSize;
    private readonly ReplyLinks _replyLinks = new();
    private readonly CbsNode _cbs;
    private readonly Dictionary<BrokerQueue, ManagementNode> _managementNodes = [];

    public BrokerRuntime(Func<string, BrokerQueue?> findQueue, ulong maxMessageSize)
    {
        _findQueue = findQueue;
        _maxMessageSize = maxMessageSize;
        _cbs = new CbsNode(_replyLinks);
    }

    public AmqpConnection CreateConnection(TransportBase transport, ProtocolHeader protocolHeader, bool isInitiator, AmqpSettings amqpSettings, AmqpConnectionSettings connectionSettings) =>
        new(transport, protocolHeader, isInitiator, amqpSettings, connectionSettings);

    public AmqpSession CreateSession(AmqpConnection connection, AmqpSessionSettings settings) => new(connection, settings, this);

    public AmqpLink CreateLink(AmqpSession session, AmqpLinkSettings settings)
    {
        if (settings.IsReceiver())
        {
            // Without max-message-size the client refuses to send anything.
            settings.MaxMessageSize = _maxMessageSize;
            settings.TotalLinkCredit = CreditPerSender;
            settings.AutoSendFlow = true;
            return new ReceivingAmqpLink(session, settings);
        }

        return new SendingAmqpLink(session, settings);
    }

    public IAsyncResult BeginOpenLink(AmqpLink link, TimeSpan timeout, AsyncCallback callback, object state)
    {
        Route(link);
        var completion = new TaskCompletionSource(state);
        completion.SetResult();
        callback?.Invoke(completion.Task);
        return completion.Task;
    }

    public void EndOpenLink(IAsyncResult result)
    {
    }

    private void Route(AmqpLink link)
    {
        var address = EntityPath(link.IsReceiver ? (link.Settings.Target as Target)?.Address : (link.Settings.Source as Source)?.Address);
        if (address == CbsNode.Address)
        {
            AttachToNode(link, _cbs);
            return;
        }

        if (address.EndsWith(ManagementNode.AddressSuffix, StringComparison.OrdinalIgnoreCase))
        {
            var managed = FindQueue(address[..^ManagementNode.AddressSuffix.Length]);
            ManagementNode node;
            lock (_managementNodes)
            {
                if (!_managementNodes.TryGetValue(managed, out node!))
                {
                    node = new ManagementNode(managed, _replyLinks);
                    _managementNodes.Add(managed, node);
                }
            }

            AttachToNode(link, node);
            return;
        }

        var queue = FindQueue(address);
        switch (link)
        {
            case ReceivingAmqpLink producer:
                QueueProducerLink.Attach(producer, queue);
                break;
            case SendingAmqpLink consumer:
                QueueConsumerLink.Attach(consumer, queue);
                break;
        }
    }

    private void AttachToNode(AmqpLink link, RequestResponseNode node)
    {
        switch (link)
        {
            case ReceivingAmqpLink requests:
                node.AttachRequestLink(requests);
                break;
            case SendingAmqpLink replies:
                var replyAddress = (replies.Settings.Target as Target)?.Address?.ToString()
                    ?? throw new AmqpException(AmqpErrorCode.InvalidField, "A reply link needs a target address.");
                _replyLinks.Attach(replies, replyAddress);
                break;
        }
    }

    private BrokerQueue FindQueue(string path) =>
        _findQueue(path) ?? throw new AmqpException(AmqpErrorCode.NotFound, $"The messaging entity '{path}' could not be found.");

    // The client names entities as "/queue", "queue" or a full amqp:// address.
    private static string EntityPath(Address? address)
    {
        var text = address?.ToString() ?? throw new AmqpException(AmqpErrorCode.InvalidField, "The link has no address.");
        var path = Uri.TryCreate(text, UriKind.Absolute, out var uri) && uri.Scheme.StartsWith("amqp", StringComparison.Ordinal)
            ? Uri.UnescapeDataString(uri.AbsolutePath)
            : text;
        return path.Trim('/');
    }
}
