# Headless Chromium for the tests, driven through the DevTools protocol on 127.0.0.1 (a tiny client over
# System.Net.WebSockets.ClientWebSocket, no other dependency): open a page, check in the page itself that every
# picture decoded, take a screenshot. Debian's package is 'chromium' (.ci/run installs it).
Set-StrictMode -Version 3.0

function Find-Chromium {
    <# The Chromium (or Chrome) executable on PATH, or $null. #>
    foreach ($name in 'chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable') {
        $command = Get-Command $name -CommandType Application -ErrorAction SilentlyContinue | Select-Object -First 1
        if ($command) { return $command.Source }
    }
    $null
}

function Start-Chromium {
    <#
    Starts headless Chromium with the DevTools protocol on a free port of 127.0.0.1 and connects to its page.
    Chromium can take long to start on a loaded machine: -TimeoutSec bounds the wait for it, it is no measure.
    #>
    [CmdletBinding()]
    param([int] $Width = 1280, [int] $Height = 900, [int] $TimeoutSec = 180)
    $exe = Find-Chromium
    if (-not $exe) { throw 'Chromium is not installed (Debian: apt-get install chromium).' }
    $userData = Join-Path ([IO.Path]::GetTempPath()) "onemin-chromium-$([guid]::NewGuid().ToString('N'))"
    $null = New-Item -ItemType Directory -Path $userData
    $arguments = @('--headless=new', '--disable-gpu', '--no-sandbox', '--disable-dev-shm-usage', '--no-first-run',
        '--no-default-browser-check', '--disable-extensions', '--disable-background-networking', '--hide-scrollbars',
        '--remote-debugging-address=127.0.0.1', '--remote-debugging-port=0', "--user-data-dir=$userData",
        "--window-size=$Width,$Height", 'about:blank')
    $start = [Diagnostics.ProcessStartInfo]::new($exe)
    foreach ($a in $arguments) { $start.ArgumentList.Add($a) }
    $start.UseShellExecute = $false
    $start.RedirectStandardError = $true   # its log; read asynchronously so it never blocks
    $start.RedirectStandardOutput = $true
    $process = [Diagnostics.Process]::Start($start)
    $null = $process.StandardError.ReadToEndAsync()
    $null = $process.StandardOutput.ReadToEndAsync()
    $browser = [pscustomobject]@{
        Process = $process; Profile = $userData; Socket = $null; NextId = 0; Width = $Width; Height = $Height
        TimeoutSec = $TimeoutSec
    }
    try {
        # Chromium writes the port it listens on into DevToolsActivePort once it is ready.
        $portFile = Join-Path $userData 'DevToolsActivePort'
        $deadline = [DateTime]::UtcNow.AddSeconds($TimeoutSec)
        while (-not ((Test-Path -LiteralPath $portFile) -and (Get-Content -LiteralPath $portFile -TotalCount 1))) {
            if ($process.HasExited) { throw "Chromium exited with code $($process.ExitCode) before it listened." }
            if ([DateTime]::UtcNow -gt $deadline) { throw "Chromium did not listen within $TimeoutSec s." }
            [Threading.Thread]::Sleep(50)
        }
        $port = [int](Get-Content -LiteralPath $portFile -TotalCount 1)
        $targets = Invoke-RestMethod -Uri "http://127.0.0.1:$port/json/list" -TimeoutSec $TimeoutSec
        $page = @($targets | Where-Object type -EQ 'page')[0]
        $socket = [Net.WebSockets.ClientWebSocket]::new()
        $socket.Options.KeepAliveInterval = [TimeSpan]::Zero
        $socket.ConnectAsync([uri]$page.webSocketDebuggerUrl, [Threading.CancellationToken]::None).Wait()
        $browser.Socket = $socket
        $null = Invoke-Cdp $browser 'Emulation.setDeviceMetricsOverride' @{
            width = $Width; height = $Height; deviceScaleFactor = 1; mobile = $false
        }
        $browser
    }
    catch {
        Stop-Chromium $browser
        throw
    }
}

function Invoke-Cdp {
    <# Sends one DevTools command and returns its result (events that arrive meanwhile are skipped). #>
    param([Parameter(Mandatory)] $Browser, [Parameter(Mandatory)] [string] $Method, [hashtable] $Params = @{})
    $Browser.NextId++
    $id = $Browser.NextId
    $json = ConvertTo-Json -InputObject @{ id = $id; method = $Method; params = $Params } -Depth 10 -Compress
    $bytes = [Text.Encoding]::UTF8.GetBytes($json)
    $timeout = [Threading.CancellationTokenSource]::new([TimeSpan]::FromSeconds($Browser.TimeoutSec))
    try {
        $Browser.Socket.SendAsync([ArraySegment[byte]]::new($bytes), 'Text', $true, $timeout.Token).Wait()
        $buffer = [byte[]]::new(1MB)
        while ($true) {
            $message = [IO.MemoryStream]::new()
            do {
                $task = $Browser.Socket.ReceiveAsync([ArraySegment[byte]]::new($buffer), $timeout.Token)
                try { $task.Wait() }
                catch { throw "No answer from Chromium to $Method within $($Browser.TimeoutSec) s: $($_.Exception.InnerException.Message)" }
                $message.Write($buffer, 0, $task.Result.Count)
            } until ($task.Result.EndOfMessage)
            $reply = [Text.Encoding]::UTF8.GetString($message.ToArray()) | ConvertFrom-Json -Depth 20
            if ($reply.PSObject.Properties['id'] -and $reply.id -eq $id) {
                if ($reply.PSObject.Properties['error']) { throw "Chromium refused $Method`: $($reply.error.message)" }
                return $reply.result
            }
        }
    }
    finally { $timeout.Dispose() }
}

function Invoke-PageScript {
    <# Evaluates a script in the page (awaiting a promise) and returns its value. #>
    param([Parameter(Mandatory)] $Browser, [Parameter(Mandatory)] [string] $Expression)
    $result = Invoke-Cdp $Browser 'Runtime.evaluate' @{ expression = $Expression; awaitPromise = $true; returnByValue = $true }
    if ($result.PSObject.Properties['exceptionDetails']) {
        throw "The page script failed: $($result.exceptionDetails | ConvertTo-Json -Depth 6 -Compress)"
    }
    $result.result.value
}

function Open-Page {
    <# Opens a file in the page and waits until it has loaded (the document, not its lazy pictures). #>
    param([Parameter(Mandatory)] $Browser, [Parameter(Mandatory)] [string] $Path)
    $url = [uri]::new((Resolve-Path -LiteralPath $Path).ProviderPath, [UriKind]::Absolute).AbsoluteUri
    $null = Invoke-Cdp $Browser 'Page.navigate' @{ url = $url }
    $deadline = [DateTime]::UtcNow.AddSeconds($Browser.TimeoutSec)
    while ((Invoke-PageScript $Browser "document.readyState + ' ' + location.href") -ne "complete $url") {
        if ([DateTime]::UtcNow -gt $deadline) { throw "$url did not load within $($Browser.TimeoutSec) s." }
        [Threading.Thread]::Sleep(50)
    }
}

function Test-PageImages {
    <#
    What a person scrolling the page would see: before scrolling, how many pictures had loaded; then each
    picture is scrolled into view (lazy ones load only then) and waited for until it loaded or failed, and
    decoded. Returns the counts and the src of every picture that did not decode (naturalWidth 0).
    #>
    param([Parameter(Mandatory)] $Browser)
    $script = @'
(async () => {
  const images = [...document.images];
  const loadedAtFirst = images.filter(i => i.complete && i.naturalWidth > 0).length;
  for (const image of images) {
    image.scrollIntoView({ block: 'center' });
    if (!image.complete) {
      await new Promise(done => {
        image.addEventListener('load', done, { once: true });
        image.addEventListener('error', done, { once: true });
      });
    }
    try { await image.decode(); } catch (e) { }
  }
  window.scrollTo(0, 0);
  const broken = images.filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.getAttribute('src'));
  return JSON.stringify({
    Total: images.length, LoadedAtFirst: loadedAtFirst, Broken: broken,
    Lazy: images.filter(i => i.loading === 'lazy').length,
    Sized: images.filter(i => i.hasAttribute('width') && i.hasAttribute('height')).length,
    Placeholders: document.querySelectorAll('.missing').length,
    Height: document.documentElement.scrollHeight
  });
})()
'@
    Invoke-PageScript $Browser $script | ConvertFrom-Json
}

function Save-PageScreenshot {
    <# A PNG of the whole page (its full height) at the browser's width. #>
    param([Parameter(Mandatory)] $Browser, [Parameter(Mandatory)] [string] $Path)
    $height = [int](Invoke-PageScript $Browser 'document.documentElement.scrollHeight')
    $shot = Invoke-Cdp $Browser 'Page.captureScreenshot' @{
        format = 'png'; captureBeyondViewport = $true
        clip = @{ x = 0; y = 0; width = $Browser.Width; height = $height; scale = 1 }
    }
    [IO.File]::WriteAllBytes($Path, [Convert]::FromBase64String($shot.data))
}

function Stop-Chromium {
    <# Closes the browser this module started (by its process id) and removes its profile. #>
    param($Browser)
    if (-not $Browser) { return }
    if ($Browser.Socket) {
        try { $null = Invoke-Cdp $Browser 'Browser.close' } catch { }
        $Browser.Socket.Dispose()
    }
    if (-not $Browser.Process.WaitForExit(30000)) { $Browser.Process.Kill($true) }
    $Browser.Process.Dispose()
    Remove-Item -LiteralPath $Browser.Profile -Recurse -Force -ErrorAction SilentlyContinue
}

Export-ModuleMember -Function Find-Chromium, Start-Chromium, Invoke-Cdp, Invoke-PageScript, Open-Page,
    Test-PageImages, Save-PageScreenshot, Stop-Chromium
