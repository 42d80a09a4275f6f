using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using OneMinBg.Client.Api;
using OneMinBg.Client.Images;

namespace OneMinBg.NetFx;

/// <summary>
/// The module on a .NET Framework-like runtime (Mono): loads OneMinBg.dll from the module folder as
/// PowerShell does, registers its dependency handler as the module initializer does, then uploads,
/// replaces and downloads against the emulator. The dependencies are only in the module's
/// dependencies folder, which no probing reaches: the calls work only if the handler finds them.
/// Prints "ok - name" or "not ok - name: why" per check; the exit code is the number of failures.
/// Usage: OneMinBg.NetFx.exe moduleFolder apiUri apiKey image workFolder [--without-handler]
/// </summary>
internal static class Program
{
    private const string Token = "cc7b13ffcd2ddd51";
    private static readonly List<string> Failures = new List<string>();

    private static int Main(string[] args)
    {
        string module = Path.GetFullPath(args[0]);
        bool withHandler = !args.Contains("--without-handler");

        // PowerShell finds the module's own OneMinBg.Client.dll beside OneMinBg.dll; so does this program.
        AppDomain.CurrentDomain.AssemblyResolve += (_, e) =>
        {
            string name = new AssemblyName(e.Name).Name ?? "";
            return name == "OneMinBg" || name == "OneMinBg.Client"
                ? Assembly.LoadFrom(Path.Combine(module, name + ".dll"))
                : null;
        };
        Type resolver = Assembly.LoadFrom(Path.Combine(module, "OneMinBg.dll"))
            .GetType("OneMinBg.Hosting.DependencyResolver", throwOnError: true)!;

        Check(withHandler ? "the handler registers on " + Mono() : "the handler is left out on " + Mono(), () =>
        {
            if (withHandler && !(bool)Invoke(resolver, "Register")!)
            {
                throw new InvalidOperationException("Register() did not register on this runtime.");
            }
        });
        CheckMatching(resolver, Path.Combine(module, "dependencies"));
        var api = new Uri(args[1]);
        // A host this session already used keeps the limit it had (two, on .NET Framework) unless raised.
        ServicePointManager.FindServicePoint(api).ConnectionLimit = 2;
        Check("upload, replace and download", () => RoundTrip(api, args[2], args[3], args[4]));
        Check("TLS 1.2 is allowed and 256 connections per host, also for a host used before", () =>
        {
            SecurityProtocolType protocols = ServicePointManager.SecurityProtocol;
            Expect(protocols == 0 || (protocols & SecurityProtocolType.Tls12) != 0, "protocols: " + protocols);
            int limit = ServicePointManager.DefaultConnectionLimit;
            Expect(limit >= 256, "default limit " + limit);
            Expect(ServicePointManager.FindServicePoint(api).ConnectionLimit >= 256,
                "limit of the host used before: " + ServicePointManager.FindServicePoint(api).ConnectionLimit);
        });
        Check("an upload sends no Expect: 100-continue", () => Expect(UploadHead(args[2], args[3]).IndexOf("Expect:",
            StringComparison.OrdinalIgnoreCase) < 0, "the request asked for 100-continue"));
        CheckPaths(module);
        Check("System.Text.Json came from the module's dependencies folder", () =>
        {
            string? json = AppDomain.CurrentDomain.GetAssemblies()
                .FirstOrDefault(a => a.GetName().Name == "System.Text.Json")?.Location;
            Expect(json != null && json.StartsWith(Path.Combine(module, "dependencies"), StringComparison.Ordinal),
                "System.Text.Json was loaded from " + (json ?? "nowhere"));
        });
        return Failures.Count;
    }

    /// <summary>Answers only for its own names, with its token, at the same or a higher version.</summary>
    private static void CheckMatching(Type resolver, string folder)
    {
        object shipped = Invoke(resolver, "Scan", folder)!;
        string? Match(string name) => (string?)Invoke(resolver, "Match", shipped, new AssemblyName(name));

        Check("a request for an older System.Buffers gets the shipped one", () =>
            Expect(Match($"System.Buffers, Version=4.0.2.0, Culture=neutral, PublicKeyToken={Token}") != null, "null"));
        Check("a request for a newer version than shipped is not answered", () =>
            Expect(Match($"System.Buffers, Version=99.0.0.0, Culture=neutral, PublicKeyToken={Token}") == null,
                "answered"));
        Check("a request with another public key token is not answered", () =>
            Expect(Match("System.Buffers, Version=4.0.2.0, Culture=neutral, PublicKeyToken=0123456789abcdef") == null,
                "answered"));
        Check("a request for a library the module does not ship is not answered", () =>
            Expect(Match("Newtonsoft.Json, Version=13.0.0.0, Culture=neutral, PublicKeyToken=30ad4fe6b2a6aeed") == null,
                "answered"));
    }

    /// <summary>
    /// The request head of an upload, as a bare listener receives it. (Mono's handler leaves the header out even
    /// when asked to send it; .NET Framework's sends it. xunit checks the clients ask for none.)
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static string UploadHead(string key, string image)
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        try
        {
            var uri = new Uri($"http://127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port}/");
            var client = new OneMinClient(new OneMinClientOptions { BaseUri = uri, ApiKey = key, MaxRetryCount = 0 });
            Task upload = client.UploadAsync(image, CancellationToken.None);
            using TcpClient connection = listener.AcceptTcpClient();
            NetworkStream stream = connection.GetStream();
            var head = new StringBuilder();
            while (!head.ToString().Contains("\r\n\r\n"))
            {
                int b = stream.ReadByte();
                if (b < 0)
                {
                    break;
                }
                head.Append((char)b);
            }
            byte[] answer = Encoding.ASCII.GetBytes(
                "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
            stream.Write(answer, 0, answer.Length);
            try
            {
                upload.GetAwaiter().GetResult();
            }
            catch (OneMinApiException)
            {
                // the 400 above
            }
            return head.ToString();
        }
        finally
        {
            listener.Stop();
        }
    }

    /// <summary>Paths Windows PowerShell 5.1 cannot open get a reason; others none.</summary>
    private static void CheckPaths(string module)
    {
        Type paths = Assembly.LoadFrom(Path.Combine(module, "OneMinBg.dll"))
            .GetType("OneMinBg.Hosting.WindowsPaths", throwOnError: true)!;
        string? Problem(string path) => (string?)Invoke(paths, "Problem", path, true);
        Check("a path of 260 characters is refused with its length, one of 259 is not", () =>
        {
            string folder = @"C:\" + new string('d', 200) + @"\";
            Expect(Problem(folder + new string('f', 256 - folder.Length) + ".png")?.Contains("260 characters") == true,
                "accepted");
            Expect(Problem(folder + new string('f', 255 - folder.Length) + ".png") == null, "refused");
        });
        Check("a colon after the drive is refused, the drive's own and a UNC path are not", () =>
        {
            Expect(Problem(@"C:\shots\cat:v2.png")?.Contains("colon") == true, "accepted");
            Expect(Problem(@"C:\shots\cat.png") == null && Problem(@"\\server\share\cat.png") == null, "refused");
        });
    }

    // In a method of its own: its types (and so the dependencies) are bound only when it is compiled.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void RoundTrip(Uri api, string key, string image, string work)
    {
        var client = new OneMinClient(new OneMinClientOptions { BaseUri = api, ApiKey = key, MaxRetryCount = 0 });
        UploadedAsset asset = client.UploadAsync(image, CancellationToken.None).GetAwaiter().GetResult();
        var request = new ImageRequest(ContentHash.OfFile(image), image, null, "a white studio backdrop",
            "1024x1024", "low", "auto", BackgroundReplacer.DefaultModel, api);
        AiRecord record = client.ReplaceBackgroundAsync(request, asset.Key, CancellationToken.None)
            .GetAwaiter().GetResult();
        Expect(record.IsSuccess && record.TemporaryUrl != null, $"record {record.Id} is {record.Status}");
        string saved = Path.Combine(work, "result.png");
        DownloadedFile file = client.DownloadAsync(new Uri(record.TemporaryUrl!), saved, overwrite: true,
                CancellationToken.None)
            .GetAwaiter().GetResult();
        Expect(File.Exists(saved) && new FileInfo(saved).Length == file.Length && file.Length > 0, "no file saved");
    }

    private static void Check(string name, Action check)
    {
        try
        {
            check();
            Console.WriteLine("ok - " + name);
        }
        catch (Exception ex)
        {
            Exception cause = ex is TargetInvocationException { InnerException: { } inner } ? inner : ex;
            Failures.Add(name);
            Console.WriteLine($"not ok - {name}: {cause.GetType().Name}: {cause.Message}");
        }
    }

    private static void Expect(bool condition, string otherwise)
    {
        if (!condition)
        {
            throw new InvalidOperationException(otherwise);
        }
    }

    private static object? Invoke(Type type, string method, params object[] args) =>
        type.GetMethod(method, BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic)!.Invoke(null, args);

    private static string Mono() => System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription;
}
