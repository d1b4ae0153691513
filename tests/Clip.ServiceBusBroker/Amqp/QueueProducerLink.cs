using Microsoft.Azure.Amqp;
using Microsoft.Azure.Amqp.Framing;

namespace Clip.ServiceBusBroker.Amqp;

/// <summary>The broker's end of a client sender: every transfer, single message or batch, is enqueued then accepted.</summary>
internal static class QueueProducerLink
{
    public static void Attach(ReceivingAmqpLink link, BrokerQueue queue) =>
        link.RegisterMessageListener(message => OnMessage(link, queue, message));

    private static void OnMessage(ReceivingAmqpLink link, BrokerQueue queue, AmqpMessage message)
    {
        using (message)
        {
            DeliveryState outcome;
            try
            {
                foreach (var content in MessageContent.ReadTransfer(message))
                {
                    queue.Enqueue(content);
                }

                outcome = AmqpConstants.AcceptedOutcome;
            }
            catch (AmqpException exception)
            {
                outcome = new Rejected { Error = Error.FromException(exception) };
            }

            link.DisposeMessage(message, outcome, settled: true, batchable: false);
        }
    }
}
