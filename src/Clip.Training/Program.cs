using Clip.Training.Retraining;

return await RetrainingHost.RunAsync(args);
