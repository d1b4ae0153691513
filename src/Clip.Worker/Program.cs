using Clip.Worker;

return await WorkerHost.RunAsync(args);
