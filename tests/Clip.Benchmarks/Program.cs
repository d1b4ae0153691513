using BenchmarkDotNet.Running;
using Clip.Benchmarks;

if (args is ["zeroshot"])
{
    ZeroShotThroughput.Run();
    return 0;
}

if (args is ["prompts", .. var promptOptions])
{
    return PromptThroughput.Run(promptOptions);
}

if (args is ["precision", .. var precisionOptions])
{
    return PrecisionThroughput.Run(precisionOptions);
}

if (args is ["preprocess", .. var preprocessOptions])
{
    return PreprocessThroughput.Run(preprocessOptions);
}

if (args is ["training", .. var trainingOptions])
{
    return TrainingThroughput.Run(trainingOptions);
}

if (args is ["search", .. var searchOptions])
{
    return await SearchThroughput.RunAsync(searchOptions);
}

if (args is ["review", .. var reviewOptions])
{
    return await ReviewThroughput.RunAsync(reviewOptions);
}

if (args is ["worker", .. var options])
{
    return await WorkerThroughput.RunAsync(options);
}

BenchmarkSwitcher.FromAssembly(typeof(ZeroShotThroughput).Assembly).Run(args);
return 0;
