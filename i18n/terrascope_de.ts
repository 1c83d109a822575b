<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="de_DE">
  <context>
    <name>TerraScope</name>
    <message>
      <location filename="../terrascope_plugin/aoi.py" line="24" />
      <source>Map canvas extent</source>
      <translation>Ausdehnung des Kartenfensters</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/aoi.py" line="25" />
      <source>Extent of a layer</source>
      <translation>Ausdehnung eines Layers</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/aoi.py" line="26" />
      <source>Selected features of a layer</source>
      <translation>Ausgewählte Objekte eines Layers</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/aoi.py" line="27" />
      <source>Rectangle drawn on the map</source>
      <translation>Auf der Karte gezeichnetes Rechteck</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/aoi.py" line="28" />
      <source>Whole input raster</source>
      <translation>Gesamtes Eingaberaster</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/aoi.py" line="53" />
      <source>No rectangle drawn yet: click "Draw" and drag a rectangle on the map.</source>
      <translation>Noch kein Rechteck gezeichnet: klicken Sie auf „Zeichnen“ und ziehen Sie ein Rechteck auf der Karte auf.</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/aoi.py" line="56" />
      <source>Pick the layer that defines the area of interest.</source>
      <translation>Wählen Sie den Layer, der das Untersuchungsgebiet festlegt.</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/aoi.py" line="61" />
      <source>Selected features need a polygon layer; pick one in the area list.</source>
      <translation>Ausgewählte Objekte brauchen einen Polygonlayer; wählen Sie einen in der Gebietsliste.</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/aoi.py" line="64" />
      <source>No features selected in {name}: select the polygons of the area first.</source>
      <translation>Keine Objekte in {name} ausgewählt: wählen Sie zuerst die Polygone des Gebiets aus.</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/aoi.py" line="68" />
      <source>The selected features of {name} have no geometry.</source>
      <translation>Die ausgewählten Objekte von {name} haben keine Geometrie.</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/aoi.py" line="70" />
      <source>Unknown area of interest mode {mode}.</source>
      <translation>Unbekannte Art des Untersuchungsgebiets {mode}.</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/aoi.py" line="78" />
      <source>The area of interest lies outside {name}: zoom to the raster or draw the area over it.</source>
      <translation>Das Untersuchungsgebiet liegt außerhalb von {name}: zoomen Sie auf das Raster oder zeichnen Sie das Gebiet darüber.</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/dates_widget.py" line="39" />
      <source>Add the layer as the next date</source>
      <translation>Layer als nächsten Zeitpunkt hinzufügen</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/dates_widget.py" line="40" />
      <source>Remove the selected date</source>
      <translation>Gewählten Zeitpunkt entfernen</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/dates_widget.py" line="41" />
      <source>Move the selected date earlier</source>
      <translation>Gewählten Zeitpunkt nach vorne schieben</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/dates_widget.py" line="42" />
      <source>Move the selected date later</source>
      <translation>Gewählten Zeitpunkt nach hinten schieben</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/dates_widget.py" line="54" />
      <source>Layer</source>
      <translation>Layer</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/dates_widget.py" line="54" />
      <source>Date</source>
      <translation>Datum</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/dependencies.py" line="31" />
      <source>TerraScope needs these Python packages inside QGIS: {names}. Install them with `{python} -m pip install --user {pkgs}`, or run `make setup` in the plugin folder and start QGIS with PYTHONPATH=&lt;plugin&gt;/.venv/lib/python3.11/site-packages (`make run-qgis` does this).</source>
      <translation>TerraScope braucht diese Python-Pakete in QGIS: {names}. Installieren Sie sie mit `{python} -m pip install --user {pkgs}` oder führen Sie `make setup` im Pluginordner aus und starten Sie QGIS mit PYTHONPATH=&lt;plugin&gt;/.venv/lib/python3.11/site-packages (`make run-qgis` erledigt das).</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/dock.py" line="62" />
      <source>What share of this area is flooded cropland?</source>
      <translation>Welcher Anteil dieses Gebiets ist überflutetes Ackerland?</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/dock.py" line="63" />
      <source>How far is the nearest building from the river?</source>
      <translation>Wie weit ist das nächste Gebäude vom Fluss entfernt?</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/dock.py" line="64" />
      <source>How many buildings were destroyed between the two dates?</source>
      <translation>Wie viele Gebäude wurden zwischen den beiden Zeitpunkten zerstört?</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/dock.py" line="65" />
      <source>Which covers more area, forest or cropland?</source>
      <translation>Was bedeckt mehr Fläche, Wald oder Ackerland?</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/dock.py" line="66" />
      <source>Where is the water?</source>
      <translation>Wo ist das Wasser?</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/dock.py" line="78" />
      <source>Ask TerraScope</source>
      <translation>TerraScope fragen</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/dock.py" line="117" />
      <source>Imagery</source>
      <translation>Bilddaten</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/dock.py" line="121" />
      <source>Optical</source>
      <translation>Optisch</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/dock.py" line="122" />
      <source>SAR</source>
      <translation>SAR</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/dock.py" line="124" />
      <source>Dated layers (before/after, time series) instead</source>
      <translation>Stattdessen datierte Layer (vorher/nachher, Zeitreihe)</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/dock.py" line="135" />
      <source>Area of interest</source>
      <translation>Untersuchungsgebiet</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/dock.py" line="142" />
      <source>Area</source>
      <translation>Gebiet</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/dock.py" line="148" />
      <source>Draw</source>
      <translation>Zeichnen</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/dock.py" line="150" />
      <source>Drag a rectangle on the map</source>
      <translation>Ziehen Sie ein Rechteck auf der Karte auf</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/dock.py" line="157" />
      <source>Question</source>
      <translation>Frage</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/dock.py" line="165" />
      <source>Ask about the area, e.g. an example from the list</source>
      <translation>Fragen Sie zum Gebiet, z. B. ein Beispiel aus der Liste</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/dock.py" line="173" />
      <source>Choose a local model folder</source>
      <translation>Lokalen Modellordner wählen</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/dock.py" line="177" />
      <source>Model</source>
      <translation>Modell</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/dock.py" line="180" />
      <source>Automatic</source>
      <translation>Automatisch</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/dock.py" line="181" />
      <source>CPU</source>
      <translation>CPU</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/dock.py" line="182" />
      <source>CUDA (detecting…)</source>
      <translation>CUDA (wird erkannt…)</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/dock.py" line="184" />
      <source>Device</source>
      <translation>Gerät</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/dock.py" line="197" />
      <source>Cancel</source>
      <translation>Abbrechen</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/dock.py" line="215" />
      <source>Answer</source>
      <translation>Antwort</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/dock.py" line="222" />
      <source>Reasoning steps (click one to show its area):</source>
      <translation>Denkschritte (klicken Sie einen an, um sein Gebiet zu zeigen):</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/dock.py" line="229" />
      <source>Distances between steps:</source>
      <translation>Abstände zwischen den Schritten:</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/dock.py" line="232" />
      <source>From step</source>
      <translation>Von Schritt</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/dock.py" line="232" />
      <source>To step</source>
      <translation>Zu Schritt</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/dock.py" line="232" />
      <source>Distance (m)</source>
      <translation>Abstand (m)</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/dock.py" line="239" />
      <source>Export as GeoPackage…</source>
      <translation>Als GeoPackage exportieren…</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/dock.py" line="242" />
      <source>Export as Shapefiles…</source>
      <translation>Als Shapefiles exportieren…</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/dock.py" line="266" />
      <source>CUDA: {gpu}</source>
      <translation>CUDA: {gpu}</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/dock.py" line="269" />
      <source>CUDA (no GPU found)</source>
      <translation>CUDA (keine GPU gefunden)</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/dock.py" line="278" />
      <source>Embedded default model</source>
      <translation>Eingebautes Standardmodell</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/dock.py" line="280" />
      <source>Folder: {path}</source>
      <translation>Ordner: {path}</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/dock.py" line="283" />
      <source>Adapter: {name}</source>
      <translation>Adapter: {name}</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/dock.py" line="296" />
      <source>Model folder</source>
      <translation>Modellordner</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/dock.py" line="315" />
      <source>Starting…</source>
      <translation>Wird gestartet…</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/dock.py" line="345" />
      <source>Area drawn.</source>
      <translation>Gebiet gezeichnet.</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/dock.py" line="356" />
      <source>Type a question first (or pick an example from the list).</source>
      <translation>Geben Sie zuerst eine Frage ein (oder wählen Sie ein Beispiel aus der Liste).</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/dock.py" line="362" />
      <source>Use either the optical/SAR pickers or the dated layers, not both: set the pickers to none or clear the dated list.</source>
      <translation>Verwenden Sie entweder die Auswahl optisch/SAR oder die datierten Layer, nicht beides: setzen Sie die Auswahl auf leer oder leeren Sie die datierte Liste.</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/dock.py" line="365" />
      <source>Pick an optical or a SAR layer (or add dated layers) first.</source>
      <translation>Wählen Sie zuerst einen optischen oder einen SAR-Layer (oder fügen Sie datierte Layer hinzu).</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/dock.py" line="369" />
      <source>Layer {name} is not valid; fix its source.</source>
      <translation>Layer {name} ist ungültig; korrigieren Sie seine Quelle.</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/dock.py" line="390" />
      <source>Model folder {path} does not exist: choose another with "…" or pick the embedded default model.</source>
      <translation>Der Modellordner {path} existiert nicht: wählen Sie mit „…“ einen anderen oder das eingebaute Standardmodell.</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/dock.py" line="423" />
      <source>Cancelled; nothing was added.</source>
      <translation>Abgebrochen; nichts wurde hinzugefügt.</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/dock.py" line="427" />
      <source>Done in {s:.1f} s; step layers in {path}</source>
      <translation>Fertig in {s:.1f} s; Schrittlayer in {path}</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/dock.py" line="431" />
      <source>({choice}) {answer}</source>
      <translation>({choice}) {answer}</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/dock.py" line="439" />
      <source>{area:,.0f} m²</source>
      <translation>{area:,.0f} m²</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/dock.py" line="441" />
      <source>{share:.1%} of the area</source>
      <translation>{share:.1%} des Gebiets</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/dock.py" line="443" />
      <source>confidence {c:.2f}</source>
      <translation>Konfidenz {c:.2f}</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/finetune/blocks_layer.py" line="35" />
      <source>Fine-tune split (train / validation)</source>
      <translation>Aufteilung für das Feintuning (Training / Validierung)</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/finetune/blocks_layer.py" line="49" />
      <source>train</source>
      <translation>Training</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/finetune/blocks_layer.py" line="49" />
      <source>validation</source>
      <translation>Validierung</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/finetune/inputs.py" line="79" />
      <source>Layer {name} could not be written to a temporary GeoPackage; save it as a GeoPackage and pick that.</source>
      <translation>Layer {name} konnte nicht in ein temporäres GeoPackage geschrieben werden; speichern Sie ihn als GeoPackage und wählen Sie dieses.</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/finetune/loss_curve.py" line="58" />
      <source>The loss curve appears when training starts.</source>
      <translation>Die Verlustkurve erscheint, sobald das Training beginnt.</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/finetune/loss_curve.py" line="69" />
      <source>loss {loss:.3f} at step {step}</source>
      <translation>Verlust {loss:.3f} bei Schritt {step}</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/layer_sources.py" line="38" />
      <source>Layer {name} cannot be read; check its source.</source>
      <translation>Layer {name} ist nicht lesbar; prüfen Sie seine Quelle.</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/layer_sources.py" line="43" />
      <source>Layer {name} cannot be exported; save it as a GeoTIFF first.</source>
      <translation>Layer {name} lässt sich nicht exportieren; speichern Sie ihn zuerst als GeoTIFF.</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/layer_sources.py" line="54" />
      <source>Layer {name} could not be written to a temporary GeoTIFF; save it as a GeoTIFF and pick that.</source>
      <translation>Layer {name} konnte nicht in ein temporäres GeoTIFF geschrieben werden; speichern Sie ihn als GeoTIFF und wählen Sie dieses.</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/layer_sources.py" line="87" />
      <source>Layer {b} cannot be placed on the grid of {a}: check both CRSs.</source>
      <translation>Layer {b} lässt sich nicht auf das Raster von {a} legen: prüfen Sie beide KBS.</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/layer_sources.py" line="90" />
      <source>Layers {a} and {b} do not overlap: pick layers that cover the same place.</source>
      <translation>Die Layer {a} und {b} überlappen sich nicht: wählen Sie Layer, die denselben Ort abdecken.</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/missing.py" line="23" />
      <source>TerraScope could not start: {error}</source>
      <translation>TerraScope konnte nicht starten: {error}</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/missing.py" line="26" />
      <source>TerraScope: why is it not available?</source>
      <translation>TerraScope: warum ist es nicht verfügbar?</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/plugin.py" line="47" />
      <source>TerraScope settings…</source>
      <translation>TerraScope-Einstellungen…</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/plugin.py" line="86" />
      <source>An answer is still being computed: wait for it or cancel it.</source>
      <translation>Eine Antwort wird noch berechnet: warten Sie darauf oder brechen Sie sie ab.</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/plugin.py" line="92" />
      <source>Results folder {path} cannot be created: choose another in the TerraScope settings.</source>
      <translation>Der Ergebnisordner {path} kann nicht angelegt werden: wählen Sie in den TerraScope-Einstellungen einen anderen.</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/plugin.py" line="96" />
      <source>Results folder {path} is not writable: choose another in the TerraScope settings.</source>
      <translation>Der Ergebnisordner {path} ist nicht beschreibbar: wählen Sie in den TerraScope-Einstellungen einen anderen.</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/plugin.py" line="108" />
      <source>Cancelling…</source>
      <translation>Wird abgebrochen…</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/plugin.py" line="130" />
      <source>No answer layers to export: ask a question first.</source>
      <translation>Keine Antwortlayer zum Exportieren: stellen Sie zuerst eine Frage.</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/plugin.py" line="134" />
      <source>Export as GeoPackage</source>
      <translation>Als GeoPackage exportieren</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/plugin.py" line="135" />
      <source>GeoPackage (*.gpkg)</source>
      <translation>GeoPackage (*.gpkg)</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/plugin.py" line="137" />
      <source>Folder for the Shapefiles</source>
      <translation>Ordner für die Shapefiles</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/plugin.py" line="145" />
      <source>Exported {n} layer(s) to {path}</source>
      <translation>{n} Layer nach {path} exportiert</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/processing_algorithm.py" line="49" />
      <source>Reasoning</source>
      <translation>Schlussfolgern</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/processing_algorithm.py" line="55" />
      <source>Answers a question about optical, SAR or dated rasters with the TerraScope model. Every reasoning step that refers to a region becomes a polygon layer (fields step, label, date, area_m2, perimeter_m, share, confidence) in the output GeoPackage. The area of interest is a polygon layer, else an extent, else the whole reference raster.</source>
      <translation>Beantwortet eine Frage zu optischen, SAR- oder datierten Rastern mit dem TerraScope-Modell. Jeder Denkschritt, der sich auf eine Region bezieht, wird ein Polygonlayer (Felder step, label, date, area_m2, perimeter_m, share, confidence) im Ausgabe-GeoPackage. Das Untersuchungsgebiet ist ein Polygonlayer, sonst eine Ausdehnung, sonst das ganze Referenzraster.</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/processing_algorithm.py" line="64" />
      <source>Optical raster</source>
      <translation>Optisches Raster</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/processing_algorithm.py" line="65" />
      <source>SAR raster</source>
      <translation>SAR-Raster</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/processing_algorithm.py" line="67" />
      <source>Dated rasters, earliest first (instead of optical/SAR)</source>
      <translation>Datierte Raster, frühestes zuerst (statt optisch/SAR)</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/processing_algorithm.py" line="70" />
      <source>Area of interest (polygons)</source>
      <translation>Untersuchungsgebiet (Polygone)</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/processing_algorithm.py" line="71" />
      <source>Area of interest (extent)</source>
      <translation>Untersuchungsgebiet (Ausdehnung)</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/processing_algorithm.py" line="75" />
      <source>Model folder (empty: embedded default)</source>
      <translation>Modellordner (leer: eingebautes Standardmodell)</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/processing_algorithm.py" line="78" />
      <source>Fine-tuned adapter folder</source>
      <translation>Ordner des feinabgestimmten Adapters</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/processing_algorithm.py" line="80" />
      <source>CUDA</source>
      <translation>CUDA</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/processing_algorithm.py" line="82" />
      <source>Registered model size instead of a folder</source>
      <translation>Registrierte Modellgröße statt eines Ordners</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/processing_algorithm.py" line="84" />
      <source>Tile size (pixels)</source>
      <translation>Kachelgröße (Pixel)</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/processing_algorithm.py" line="91" />
      <source>Step layers</source>
      <translation>Schrittlayer</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/processing_algorithm.py" line="93" />
      <source>Chosen option</source>
      <translation>Gewählte Option</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/processing_algorithm.py" line="95" />
      <source>Number of grounded steps</source>
      <translation>Anzahl verorteter Schritte</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/processing_algorithm.py" line="117" />
      <source>The area-of-interest layer has no polygons.</source>
      <translation>Der Layer des Untersuchungsgebiets enthält keine Polygone.</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/processing_algorithm.py" line="159" />
      <source>Cancelled; nothing was written.</source>
      <translation>Abgebrochen; nichts wurde geschrieben.</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/processing_algorithm.py" line="169" />
      <source>Answer: {answer}</source>
      <translation>Antwort: {answer}</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/processing_provider.py" line="19" />
      <source>TerraScope</source>
      <translation>TerraScope</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/processing_provider.py" line="22" />
      <source>TerraScope — pixel-grounded Earth-observation reasoning</source>
      <translation>TerraScope — pixelgenaues Schlussfolgern auf Erdbeobachtungsdaten</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/results.py" line="42" />
      <source>Step {n}</source>
      <translation>Schritt {n}</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/results.py" line="87" />
      <source>The group {name} holds no step layers to export.</source>
      <translation>Die Gruppe {name} enthält keine Schrittlayer zum Exportieren.</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/results.py" line="105" />
      <source>Unknown export format {fmt}: use gpkg or shp.</source>
      <translation>Unbekanntes Exportformat {fmt}: verwenden Sie gpkg oder shp.</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/results.py" line="109" />
      <source>Could not write {target}: {error}</source>
      <translation>{target} konnte nicht geschrieben werden: {error}</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/runner.py" line="146" />
      <source>The engine stopped unexpectedly; see the TerraScope log.</source>
      <translation>Die Berechnung wurde unerwartet beendet; siehe TerraScope-Protokoll.</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/runner.py" line="157" />
      <source>Loading the model…</source>
      <translation>Modell wird geladen…</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/runner.py" line="180" />
      <source>Out of memory: draw a smaller area of interest or pick a smaller model.</source>
      <translation>Kein Speicher mehr frei: zeichnen Sie ein kleineres Untersuchungsgebiet oder wählen Sie ein kleineres Modell.</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/runner.py" line="183" />
      <source>The engine failed: {reason} (details in the TerraScope log).</source>
      <translation>Die Berechnung ist fehlgeschlagen: {reason} (Einzelheiten im TerraScope-Protokoll).</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/settings_dialog.py" line="15" />
      <source>TerraScope settings</source>
      <translation>TerraScope-Einstellungen</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/settings_dialog.py" line="30" />
      <source> px</source>
      <translation> px</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/settings_dialog.py" line="34" />
      <source>Tile size</source>
      <translation>Kachelgröße</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/settings_dialog.py" line="35" />
      <source>Results folder (empty: beside the project)</source>
      <translation>Ergebnisordner (leer: neben dem Projekt)</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/settings_dialog.py" line="36" />
      <source>Fine-tuned adapters folder</source>
      <translation>Ordner der feinabgestimmten Adapter</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/task.py" line="25" />
      <source>TerraScope: {question}</source>
      <translation>TerraScope: {question}</translation>
    </message>
  </context>
</TS>
