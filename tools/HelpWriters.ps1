# The writers of the help generator (tools/Help.ps1, which dot-sources this file): the MAML file that
# Get-Help reads for binary cmdlets, and the about topic as plain text. They take the pages that
# ConvertFrom-CommandMarkdown parsed and the metadata Get-ModuleCommandMetadata read from the built module.

function Write-MamlHelp {
    <# Writes the MAML file: one command:command per documented cmdlet, metadata from the module, prose from the page. #>
    param([Parameter(Mandatory)] [string] $Path, [object[]] $Items)
    $settings = [System.Xml.XmlWriterSettings]::new()
    $settings.Indent = $true
    $settings.Encoding = [System.Text.UTF8Encoding]::new($true)
    $w = [System.Xml.XmlWriter]::Create($Path, $settings)
    try {
        $w.WriteStartDocument()
        $w.WriteStartElement('helpItems', 'http://msh')
        $w.WriteAttributeString('schema', 'maml')
        foreach ($item in $Items) { Write-MamlCommand -Writer $w -Command $item.Command -Page $item.Page }
        $w.WriteEndElement()
        $w.WriteEndDocument()
    }
    finally { $w.Dispose() }
}

function Write-MamlParas {
    param($Writer, [string[]] $Paragraphs)
    $Writer.WriteStartElement('maml', 'description', $MamlNs)
    foreach ($p in $Paragraphs) { $Writer.WriteElementString('maml', 'para', $MamlNs, $p) }
    if (-not $Paragraphs) { $Writer.WriteElementString('maml', 'para', $MamlNs, '') }
    $Writer.WriteEndElement()
}

function Get-ParameterDescription {
    <# The page's paragraphs plus what the code says: accepted values, ranges, parameter sets. #>
    param($Command, $Parameter, $Doc)
    $paras = [System.Collections.Generic.List[string]]::new()
    foreach ($p in $Doc.Description) { $paras.Add($p) }
    if ($Parameter.AcceptedValues.Count) { $paras.Add("Accepted values: $($Parameter.AcceptedValues -join ', ').") }
    if ($Parameter.Range.Count) { $paras.Add("Valid range: $($Parameter.Range[0]) to $($Parameter.Range[1]).") }
    if ($Parameter.Length.Count) { $paras.Add("Length: $($Parameter.Length[0]) to $($Parameter.Length[1]) characters.") }
    $sets = @($Parameter.Sets | Where-Object { -not $_.DontShow } | ForEach-Object Set)
    $allSets = @($Command.Syntax.Set)
    if ($allSets.Count -gt 1 -and $sets.Count -lt $allSets.Count) {
        $paras.Add("Parameter set$(if ($sets.Count -gt 1) { 's' }): $($sets -join ', ').")
    }
    , $paras.ToArray()
}

function Write-MamlParameter {
    <# One command:parameter, as in a syntax item ($Set given) or in the parameters list (all sets merged). #>
    param($Writer, $Command, $Parameter, $Doc, [string] $Set)
    $entries = @(if ($Set) { $Parameter.Sets | Where-Object Set -EQ $Set } else { $Parameter.Sets | Where-Object { -not $_.DontShow } })
    if (-not $entries) { $entries = @($Parameter.Sets) }
    $required = @($entries | Where-Object { -not $_.Mandatory }).Count -eq 0
    $position = ($entries | Where-Object { $_.Position -ge 0 } | Select-Object -First 1).Position
    $byValue = [bool]($entries | Where-Object ByValue)
    $byName = [bool]($entries | Where-Object ByPropertyName)
    $pipeline = if ($byValue -and $byName) { 'True (ByValue, ByPropertyName)' } elseif ($byValue) { 'True (ByValue)' } elseif ($byName) { 'True (ByPropertyName)' } else { 'False' }

    $Writer.WriteStartElement('command', 'parameter', $CommandNs)
    $Writer.WriteAttributeString('required', $required.ToString().ToLowerInvariant())
    $Writer.WriteAttributeString('variableLength', ([bool]$Parameter.IsArray).ToString().ToLowerInvariant())
    $Writer.WriteAttributeString('globbing', ([bool]$Parameter.Globbing).ToString().ToLowerInvariant())
    $Writer.WriteAttributeString('pipelineInput', $pipeline)
    $Writer.WriteAttributeString('position', $(if ($null -ne $position) { "$position" } else { 'named' }))
    $Writer.WriteAttributeString('aliases', $(if ($Parameter.Aliases.Count) { $Parameter.Aliases -join ', ' } else { 'none' }))
    $Writer.WriteElementString('maml', 'name', $MamlNs, $Parameter.Name)
    Write-MamlParas $Writer (Get-ParameterDescription -Command $Command -Parameter $Parameter -Doc $Doc)
    if ($Set -and $Parameter.AcceptedValues.Count) {
        # Get-Help shows these in the syntax as -Size {Auto | 1024x1024 | ...}.
        $Writer.WriteStartElement('command', 'parameterValueGroup', $CommandNs)
        foreach ($v in $Parameter.AcceptedValues) {
            $Writer.WriteStartElement('command', 'parameterValue', $CommandNs)
            $Writer.WriteAttributeString('required', 'false'); $Writer.WriteAttributeString('variableLength', 'false')
            $Writer.WriteString($v); $Writer.WriteEndElement()
        }
        $Writer.WriteEndElement()
    }
    elseif (-not ($Set -and $Parameter.IsSwitch)) {
        # A switch takes no value in the syntax ([-Force]); in the parameter list it shows as -Force [<SwitchParameter>].
        $Writer.WriteStartElement('command', 'parameterValue', $CommandNs)
        $Writer.WriteAttributeString('required', (-not $Parameter.IsSwitch).ToString().ToLowerInvariant())
        $Writer.WriteAttributeString('variableLength', ([bool]$Parameter.IsArray).ToString().ToLowerInvariant())
        $Writer.WriteString($Parameter.Type); $Writer.WriteEndElement()
    }
    $Writer.WriteStartElement('dev', 'type', $DevNs)
    $Writer.WriteElementString('maml', 'name', $MamlNs, $Parameter.Type)
    $Writer.WriteElementString('maml', 'uri', $MamlNs, '')
    $Writer.WriteEndElement()
    $Writer.WriteElementString('dev', 'defaultValue', $DevNs, $Doc.Default)
    $Writer.WriteEndElement()
}

function Write-MamlCommand {
    param($Writer, $Command, $Page)
    $w = $Writer
    $w.WriteStartElement('command', 'command', $CommandNs)
    $w.WriteAttributeString('xmlns', 'maml', $null, $MamlNs)
    $w.WriteAttributeString('xmlns', 'command', $null, $CommandNs)
    $w.WriteAttributeString('xmlns', 'dev', $null, $DevNs)

    $w.WriteStartElement('command', 'details', $CommandNs)
    $w.WriteElementString('command', 'name', $CommandNs, $Command.Name)
    $w.WriteElementString('command', 'verb', $CommandNs, $Command.Verb)
    $w.WriteElementString('command', 'noun', $CommandNs, $Command.Noun)
    Write-MamlParas $w $Page.Synopsis
    $w.WriteEndElement()
    Write-MamlParas $w $Page.Description

    $byName = @{}; foreach ($p in $Command.Parameters) { $byName[$p.Name] = $p }
    $w.WriteStartElement('command', 'syntax', $CommandNs)
    foreach ($item in $Command.Syntax) {
        $w.WriteStartElement('command', 'syntaxItem', $CommandNs)
        $w.WriteElementString('maml', 'name', $MamlNs, $Command.Name)
        foreach ($name in $item.Parameters) {
            Write-MamlParameter -Writer $w -Command $Command -Parameter $byName[$name] -Doc $Page.Parameters[$name] -Set $item.Set
        }
        $w.WriteEndElement()
    }
    $w.WriteEndElement()

    # In the page's order: the author puts the parameters a reader needs first.
    $w.WriteStartElement('command', 'parameters', $CommandNs)
    foreach ($name in $Page.Parameters.Keys) {
        if ($byName.ContainsKey($name)) { Write-MamlParameter -Writer $w -Command $Command -Parameter $byName[$name] -Doc $Page.Parameters[$name] }
    }
    $w.WriteEndElement()

    foreach ($kind in @(@('inputTypes', 'inputType', $Page.Inputs), @('returnValues', 'returnValue', $Page.Outputs))) {
        $w.WriteStartElement('command', $kind[0], $CommandNs)
        foreach ($t in $kind[2]) {
            $w.WriteStartElement('command', $kind[1], $CommandNs)
            $w.WriteStartElement('dev', 'type', $DevNs)
            $w.WriteElementString('maml', 'name', $MamlNs, $t.Type)
            $w.WriteEndElement()
            Write-MamlParas $w $t.Description
            $w.WriteEndElement()
        }
        $w.WriteEndElement()
    }

    if ($Page.Notes.Count) {
        $w.WriteStartElement('maml', 'alertSet', $MamlNs)
        $w.WriteStartElement('maml', 'alert', $MamlNs)
        foreach ($p in $Page.Notes) { $w.WriteElementString('maml', 'para', $MamlNs, $p) }
        $w.WriteEndElement(); $w.WriteEndElement()
    }

    $w.WriteStartElement('command', 'examples', $CommandNs)
    foreach ($example in $Page.Examples) {
        $w.WriteStartElement('command', 'example', $CommandNs)
        $w.WriteElementString('maml', 'title', $MamlNs, "--------- $($example.Title) ---------")
        $w.WriteElementString('dev', 'code', $DevNs, $example.Code)
        $w.WriteStartElement('dev', 'remarks', $DevNs)
        foreach ($p in $example.Remarks) { $w.WriteElementString('maml', 'para', $MamlNs, $p) }
        $w.WriteEndElement()
        $w.WriteEndElement()
    }
    $w.WriteEndElement()

    $w.WriteStartElement('command', 'relatedLinks', $CommandNs)
    foreach ($link in $Page.Links) {
        $w.WriteStartElement('maml', 'navigationLink', $MamlNs)
        $w.WriteElementString('maml', 'linkText', $MamlNs, $link.Text)
        $w.WriteElementString('maml', 'uri', $MamlNs, $link.Uri)
        $w.WriteEndElement()
    }
    $w.WriteEndElement()
    $w.WriteEndElement()
}

function ConvertTo-AboutText {
    <# The about page → classic about_*.help.txt text (format at the top of this file). #>
    param([Parameter(Mandatory)] [string] $Path, [Parameter(Mandatory)] [string] $Topic)
    $lines = (Get-Content -LiteralPath $Path -Raw) -split '\r?\n'
    if ($lines[0] -ne "# $Topic") { throw "the page must start with '# $Topic'." }
    $out = [System.Collections.Generic.List[string]]::new()
    $out.Add('TOPIC'); $out.Add("    $Topic")
    $buffer = [System.Collections.Generic.List[string]]::new()
    $indent = 4; $inFence = $false; $sawShort = $false
    # A blank line separates paragraphs, but not a heading from its text nor one list item from the next.
    $state = @{ Tight = $true; LastItem = $false }
    $flush = {
        if (-not $buffer.Count) { return }
        $text = ConvertTo-PlainText ($buffer -join ' ')
        $isItem = $text -match '^- (.*)$'
        if (-not $state.Tight -and -not ($isItem -and $state.LastItem)) { $out.Add('') }
        if ($isItem) { Add-Wrapped $out $Matches[1] ($indent + 2) -FirstPrefix "$(' ' * $indent)- " }
        else { Add-Wrapped $out $text $indent }
        $state.Tight = $false; $state.LastItem = $isItem
        $buffer.Clear()
    }
    foreach ($line in $lines | Select-Object -Skip 1) {
        if ($line -match '^\s*```') {
            & $flush
            if (-not $inFence -and -not $state.Tight) { $out.Add('') }
            $state.Tight = $false; $state.LastItem = $false
            $inFence = -not $inFence; continue
        }
        if ($inFence) { $out.Add($(if ($line) { (' ' * ($indent + 4)) + $line } else { '' })); continue }
        if ($line -match '^## (.+)$') {
            & $flush
            $heading = $Matches[1].Trim().ToUpperInvariant()
            if ($heading -eq 'SHORT DESCRIPTION') { $sawShort = $true }
            $out.Add(''); $out.Add($heading); $indent = 4; $state.Tight = $true; continue
        }
        if ($line -match '^### (.+)$') {
            & $flush
            $out.Add(''); $out.Add('    ' + (ConvertTo-PlainText $Matches[1].Trim())); $indent = 4; $state.Tight = $true; continue
        }
        if ($line -match '^\s*\|') {
            & $flush
            if ($line -match '^\s*\|[\s:|-]+\|\s*$') { $line = $line -replace '[^|]', '-' }
            if ($out[-1] -notmatch '^\s*\|' -and -not $state.Tight) { $out.Add('') }
            $state.Tight = $false; $state.LastItem = $false
            $out.Add((' ' * ($indent + 4)) + (ConvertTo-PlainText $line.Trim())); continue
        }
        if (-not $line.Trim()) { & $flush; continue }
        if ($line -match '^\s*[-*] (.*)$') { & $flush; $buffer.Add("- $($Matches[1].Trim())"); continue }
        $buffer.Add($line.Trim())
    }
    & $flush
    if ($inFence) { throw 'a code block (```) is not closed.' }
    if (-not $sawShort) { throw "'## SHORT DESCRIPTION' is missing." }
    ($out -join [Environment]::NewLine) + [Environment]::NewLine
}

function Add-Wrapped {
    <# Adds $Text wrapped at 80 columns, indented; the first line may carry a prefix (a bullet). #>
    param($Out, [string] $Text, [int] $Indent, [string] $FirstPrefix)
    $prefix = if ($FirstPrefix) { $FirstPrefix } else { ' ' * $Indent }
    $line = $prefix
    foreach ($word in $Text -split ' +') {
        if ($line.Length -gt $prefix.Length -and $line.Length + 1 + $word.Length -gt 80) {
            $Out.Add($line.TrimEnd()); $prefix = ' ' * $Indent; $line = $prefix
        }
        $line = if ($line.Length -gt $prefix.Length) { "$line $word" } else { "$line$word" }
    }
    $Out.Add($line.TrimEnd())
}
