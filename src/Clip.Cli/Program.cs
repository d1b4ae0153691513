using Clip.Cli;

return ClipCommandLine.Build().Parse(args).Invoke();
