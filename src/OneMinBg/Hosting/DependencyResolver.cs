using System;
using System.Collections.Generic;
using System.IO;
using System.Reflection;
using System.Runtime.InteropServices;

namespace OneMinBg.Hosting;

/// <summary>
/// Finds the module's own dependencies in the dependencies folder beside OneMinBg.dll on .NET Framework
/// (and Mono). There a strong-named reference binds to exactly the version asked for, powershell.exe applies
/// no binding redirects for modules, and the shipped libraries ask for versions of each other that no single
/// file can meet (System.Memory wants System.Runtime.CompilerServices.Unsafe 4.0.4.1, System.Text.Json wants
/// 6.0.0.0). On .NET (PowerShell 7) nothing is registered: the host's own, newer copies are used.
/// </summary>
/// <remarks>
/// Only the names shipped in that folder are answered, and only with the same public key token and the same
/// or a higher version than asked for, so another module's requests for other libraries, or for a newer
/// version than ours, are left to that module. No type of a dependency may appear here: this class runs
/// before any of them can be loaded.
/// </remarks>
internal static class DependencyResolver
{
    /// <summary>The folder beside OneMinBg.dll that holds the dependencies (the build lays it out).</summary>
    public const string FolderName = "dependencies";

    private static readonly object Gate = new object();
    private static Dictionary<string, Dependency>? shipped;

    /// <summary>True on a runtime that binds strong names by exact version: .NET Framework and Mono.</summary>
    public static bool IsNeeded(string frameworkDescription) =>
        frameworkDescription.StartsWith(".NET Framework", StringComparison.OrdinalIgnoreCase)
        || frameworkDescription.StartsWith("Mono", StringComparison.OrdinalIgnoreCase);

    /// <summary>Registers the handler when this runtime needs it; true when it is registered. Idempotent.</summary>
    public static bool Register()
    {
        if (!IsNeeded(RuntimeInformation.FrameworkDescription))
        {
            return false;
        }

        string folder = Path.Combine(Path.GetDirectoryName(typeof(DependencyResolver).Assembly.Location)!, FolderName);
        lock (Gate)
        {
            if (shipped == null)
            {
                shipped = Scan(folder);
                AppDomain.CurrentDomain.AssemblyResolve += OnAssemblyResolve;
            }
        }
        return true;
    }

    /// <summary>Removes the handler (Remove-Module). Assemblies it loaded stay loaded, as all do.</summary>
    public static void Unregister()
    {
        lock (Gate)
        {
            if (shipped != null)
            {
                AppDomain.CurrentDomain.AssemblyResolve -= OnAssemblyResolve;
                shipped = null;
            }
        }
    }

    /// <summary>The shipped file that may answer a request, or null when the request is not ours to answer.</summary>
    internal static string? Match(IReadOnlyDictionary<string, Dependency> candidates, AssemblyName requested)
    {
        if (requested.Name == null || !candidates.TryGetValue(requested.Name, out Dependency? dependency))
        {
            return null;
        }

        bool sameToken = TokenText(requested.GetPublicKeyToken()) == dependency.Token;
        bool sameOrHigher = requested.Version == null || dependency.Version >= requested.Version;
        return sameToken && sameOrHigher ? dependency.Path : null;
    }

    /// <summary>Every assembly in the folder, by simple name, read from its metadata without loading it.</summary>
    internal static Dictionary<string, Dependency> Scan(string folder)
    {
        var found = new Dictionary<string, Dependency>(StringComparer.OrdinalIgnoreCase);
        if (!Directory.Exists(folder))
        {
            return found;
        }

        foreach (string path in Directory.GetFiles(folder, "*.dll"))
        {
            AssemblyName name = AssemblyName.GetAssemblyName(path);
            if (name.Name != null && name.Version != null)
            {
                found[name.Name] = new Dependency(path, name.Version, TokenText(name.GetPublicKeyToken()));
            }
        }
        return found;
    }

    private static Assembly? OnAssemblyResolve(object? sender, ResolveEventArgs args)
    {
        Dictionary<string, Dependency>? candidates = shipped;
        if (candidates == null)
        {
            return null;
        }

        AssemblyName requested;
        try
        {
            requested = new AssemblyName(args.Name);
        }
        catch (Exception ex) when (ex is ArgumentException || ex is FileLoadException)
        {
            return null; // not a name this handler could have shipped
        }

        string? path = Match(candidates, requested);
        // LoadFrom returns the assembly already loaded from that path, so repeated requests share one copy.
        return path == null ? null : Assembly.LoadFrom(path);
    }

    private static string TokenText(byte[]? token) =>
        token == null ? "" : BitConverter.ToString(token).Replace("-", "").ToLowerInvariant();

    internal sealed class Dependency
    {
        public Dependency(string path, Version version, string token)
        {
            Path = path;
            Version = version;
            Token = token;
        }

        public string Path { get; }
        public Version Version { get; }
        public string Token { get; }
    }
}
