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
      <location filename="../terrascope_plugin/dates_widget.py" line="42" />
      <source>Layer</source>
      <translation>Layer</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/dates_widget.py" line="42" />
      <source>Date</source>
      <translation>Datum</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/dates_widget.py" line="52" />
      <source>Add the layer as the next date</source>
      <translation>Layer als nächsten Zeitpunkt hinzufügen</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/dates_widget.py" line="53" />
      <source>Remove the selected date</source>
      <translation>Gewählten Zeitpunkt entfernen</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/dates_widget.py" line="54" />
      <source>Move the selected date earlier</source>
      <translation>Gewählten Zeitpunkt nach vorne schieben</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/dates_widget.py" line="55" />
      <source>Move the selected date later</source>
      <translation>Gewählten Zeitpunkt nach hinten schieben</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/dependencies.py" line="31" />
      <source>TerraScope needs these Python packages inside QGIS: {names}. Install them with `{python} -m pip install --user {pkgs}`, or run `make setup` in the plugin folder and start QGIS with PYTHONPATH=&lt;plugin&gt;/.venv/lib/python3.11/site-packages (`make run-qgis` does this).</source>
      <translation>TerraScope braucht diese Python-Pakete in QGIS: {names}. Installieren Sie sie mit `{python} -m pip install --user {pkgs}` oder führen Sie `make setup` im Pluginordner aus und starten Sie QGIS mit PYTHONPATH=&lt;plugin&gt;/.venv/lib/python3.11/site-packages (`make run-qgis` erledigt das).</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/dock.py" line="72" />
      <source>Ask TerraScope</source>
      <translation>TerraScope fragen</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/dock.py" line="111" />
      <source>Imagery</source>
      <translation>Bilddaten</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/dock.py" line="116" />
      <source>Optical</source>
      <translation>Optisch</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/dock.py" line="117" />
      <source>SAR</source>
      <translation>SAR</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/dock.py" line="119" />
      <source>Dated layers instead</source>
      <translation>Stattdessen datierte Layer</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/dock.py" line="120" />
      <source>Before/after pairs and time series: one raster per date, earliest first</source>
      <translation>Vorher/nachher-Paare und Zeitreihen: ein Raster pro Zeitpunkt, frühestes zuerst</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/dock.py" line="131" />
      <source>Area of interest</source>
      <translation>Untersuchungsgebiet</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/dock.py" line="139" />
      <source>Area</source>
      <translation>Gebiet</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/dock.py" line="145" />
      <source>Draw</source>
      <translation>Zeichnen</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/dock.py" line="147" />
      <source>Drag a rectangle on the map</source>
      <translation>Ziehen Sie ein Rechteck auf der Karte auf</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/dock.py" line="154" />
      <source>Question</source>
      <translation>Frage</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/dock.py" line="164" />
      <source>Ask in English about the area, e.g. an example from the list</source>
      <translation>Fragen Sie auf Englisch nach dem Gebiet, z. B. mit einem Beispiel aus der Liste</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/dock.py" line="172" />
      <source>Choose a local model folder</source>
      <translation>Lokalen Modellordner wählen</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/dock.py" line="176" />
      <source>Model</source>
      <translation>Modell</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/dock.py" line="179" />
      <source>Automatic</source>
      <translation>Automatisch</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/dock.py" line="180" />
      <source>CPU</source>
      <translation>CPU</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/dock.py" line="181" />
      <source>CUDA (detecting…)</source>
      <translation>CUDA (wird erkannt…)</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/dock.py" line="183" />
      <source>Device</source>
      <translation>Gerät</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/dock.py" line="196" />
      <source>Cancel</source>
      <translation>Abbrechen</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/dock.py" line="237" />
      <source>CUDA: {gpu}</source>
      <translation>CUDA: {gpu}</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/dock.py" line="240" />
      <source>CUDA (no GPU found)</source>
      <translation>CUDA (keine GPU gefunden)</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/dock.py" line="249" />
      <source>Embedded default model</source>
      <translation>Eingebautes Standardmodell</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/dock.py" line="251" />
      <source>Folder: {path}</source>
      <translation>Ordner: {path}</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/dock.py" line="254" />
      <source>Adapter: {name}</source>
      <translation>Adapter: {name}</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/dock.py" line="267" />
      <source>Model folder</source>
      <translation>Modellordner</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/dock.py" line="284" />
      <source>Starting…</source>
      <translation>Wird gestartet…</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/dock.py" line="314" />
      <source>Area drawn.</source>
      <translation>Gebiet gezeichnet.</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/dock.py" line="325" />
      <source>Type a question first (or pick an example from the list).</source>
      <translation>Geben Sie zuerst eine Frage ein (oder wählen Sie ein Beispiel aus der Liste).</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/dock.py" line="331" />
      <source>Use either the optical/SAR pickers or the dated layers, not both: set the pickers to none or clear the dated list.</source>
      <translation>Verwenden Sie entweder die Auswahl optisch/SAR oder die datierten Layer, nicht beides: setzen Sie die Auswahl auf leer oder leeren Sie die datierte Liste.</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/dock.py" line="334" />
      <source>Pick an optical or a SAR layer (or add dated layers) first.</source>
      <translation>Wählen Sie zuerst einen optischen oder einen SAR-Layer (oder fügen Sie datierte Layer hinzu).</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/dock.py" line="336" />
      <source>The same layer is picked as optical and as SAR: pick the SAR layer (or none).</source>
      <translation>Derselbe Layer ist als optisch und als SAR gewählt: wählen Sie den SAR-Layer (oder keinen).</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/dock.py" line="340" />
      <source>Layer {name} is not valid; fix its source.</source>
      <translation>Layer {name} ist ungültig; korrigieren Sie seine Quelle.</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/dock.py" line="361" />
      <source>Model folder {path} does not exist: choose another with "…" or pick the embedded default model.</source>
      <translation>Der Modellordner {path} existiert nicht: wählen Sie mit „…“ einen anderen oder das eingebaute Standardmodell.</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/dock.py" line="398" />
      <source>Cancelled; nothing was added.</source>
      <translation>Abgebrochen; nichts wurde hinzugefügt.</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/dock.py" line="401" />
      <source>Done in {s:.1f} s; step layers in {path}</source>
      <translation>Fertig in {s:.1f} s; Schrittlayer in {path}</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/finetune/__init__.py" line="37" />
      <source>Fine-tune TerraScope…</source>
      <translation>TerraScope feinabstimmen…</translation>
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
      <location filename="../terrascope_plugin/finetune/data_page.py" line="82" />
      <source>class {value}</source>
      <translation>Klasse {value}</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/finetune/data_page.py" line="92" />
      <source>Data</source>
      <translation>Daten</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/finetune/data_page.py" line="93" />
      <source>Imagery, labels of your region, the area to use and how it is split into training and validation blocks.</source>
      <translation>Bilddaten, Beschriftungen Ihrer Region, das zu nutzende Gebiet und seine Aufteilung in Trainings- und Validierungsblöcke.</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/finetune/data_page.py" line="105" />
      <source>Dated layers (instead of optical/SAR)</source>
      <translation>Datierte Layer (statt optisch/SAR)</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/finetune/data_page.py" line="108" />
      <source>Labels</source>
      <translation>Beschriftungen</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/finetune/data_page.py" line="110" />
      <source>Polygon layer with a class field</source>
      <translation>Polygonlayer mit Klassenfeld</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/finetune/data_page.py" line="111" />
      <source>Classified raster</source>
      <translation>Klassifiziertes Raster</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/finetune/data_page.py" line="123" />
      <source>Polygons</source>
      <translation>Polygone</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/finetune/data_page.py" line="124" />
      <source>Class field</source>
      <translation>Klassenfeld</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/finetune/data_page.py" line="126" />
      <source>Raster</source>
      <translation>Raster</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/finetune/data_page.py" line="129" />
      <source>Value</source>
      <translation>Wert</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/finetune/data_page.py" line="129" />
      <source>Class name (empty: not used)</source>
      <translation>Klassenname (leer: nicht verwendet)</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/finetune/data_page.py" line="132" />
      <source>Class names</source>
      <translation>Klassennamen</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/finetune/data_page.py" line="135" />
      <source>Area and split</source>
      <translation>Gebiet und Aufteilung</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/finetune/data_page.py" line="139" />
      <source>Whole imagery</source>
      <translation>Gesamte Bilddaten</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/finetune/data_page.py" line="154" />
      <source> px</source>
      <translation> px</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/finetune/data_page.py" line="162" />
      <source>Block size</source>
      <translation>Blockgröße</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/finetune/data_page.py" line="163" />
      <source>Validation fraction</source>
      <translation>Validierungsanteil</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/finetune/data_page.py" line="164" />
      <source>Split seed</source>
      <translation>Startwert der Aufteilung</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/finetune/data_page.py" line="165" />
      <source>Show split on map</source>
      <translation>Aufteilung auf der Karte zeigen</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/finetune/data_page.py" line="251" />
      <source>Pick the layer whose extent is the area of interest.</source>
      <translation>Wählen Sie den Layer, dessen Ausdehnung das Untersuchungsgebiet ist.</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/finetune/data_page.py" line="254" />
      <source>The area of interest is empty; zoom to your region or pick another layer.</source>
      <translation>Das Untersuchungsgebiet ist leer; zoomen Sie auf Ihre Region oder wählen Sie einen anderen Layer.</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/finetune/data_page.py" line="271" />
      <source>No imagery: pick an optical or SAR layer, or add dated layers.</source>
      <translation>Keine Bilddaten: wählen Sie einen optischen oder SAR-Layer oder fügen Sie datierte Layer hinzu.</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/finetune/data_page.py" line="273" />
      <source>Use either the optical/SAR layers or dated layers, not both.</source>
      <translation>Verwenden Sie entweder die optischen/SAR-Layer oder datierte Layer, nicht beides.</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/finetune/data_page.py" line="276" />
      <source>No labels: pick a polygon layer with a class field or a classified raster.</source>
      <translation>Keine Beschriftungen: wählen Sie einen Polygonlayer mit Klassenfeld oder ein klassifiziertes Raster.</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/finetune/data_page.py" line="280" />
      <source>none</source>
      <translation>keine</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/finetune/data_page.py" line="281" />
      <source>No class field: pick the field of {name} that holds the class (fields: {fields}).</source>
      <translation>Kein Klassenfeld: wählen Sie das Feld von {name}, das die Klasse enthält (Felder: {fields}).</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/finetune/data_page.py" line="312" />
      <source>{train} training and {val} validation blocks; labelled pixels: {px_train} train, {px_val} validation; classes: {classes}.</source>
      <translation>{train} Trainings- und {val} Validierungsblöcke; beschriftete Pixel: {px_train} Training, {px_val} Validierung; Klassen: {classes}.</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/finetune/evaluate_page.py" line="34" />
      <source>Answer accuracy</source>
      <translation>Antwortgenauigkeit</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/finetune/evaluate_page.py" line="34" />
      <source>gIoU</source>
      <translation>gIoU</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/finetune/evaluate_page.py" line="34" />
      <source>cIoU</source>
      <translation>cIoU</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/finetune/evaluate_page.py" line="40" />
      <source>{task} gIoU</source>
      <translation>{task} gIoU</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/finetune/evaluate_page.py" line="49" />
      <source>Evaluate and save</source>
      <translation>Bewerten und speichern</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/finetune/evaluate_page.py" line="50" />
      <source>Numbers on the validation blocks, which training never saw.</source>
      <translation>Werte auf den Validierungsblöcken, die das Training nie gesehen hat.</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/finetune/evaluate_page.py" line="54" />
      <source>Metric</source>
      <translation>Kennzahl</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/finetune/evaluate_page.py" line="54" />
      <source>Base</source>
      <translation>Basis</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/finetune/evaluate_page.py" line="54" />
      <source>Fine-tuned</source>
      <translation>Feinabgestimmt</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/finetune/evaluate_page.py" line="54" />
      <source>Change</source>
      <translation>Änderung</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/finetune/evaluate_page.py" line="88" />
      <source>Adapter saved in &lt;a href="{folder_url}"&gt;{folder}&lt;/a&gt;; model card: &lt;a href="{card_url}"&gt;{card}&lt;/a&gt;. Pick "Adapter: {name}" in the Ask panel's model list to use it.</source>
      <translation>Adapter gespeichert in &lt;a href="{folder_url}"&gt;{folder}&lt;/a&gt;; Modellkarte: &lt;a href="{card_url}"&gt;{card}&lt;/a&gt;. Wählen Sie „Adapter: {name}“ in der Modellliste des Fragefensters, um ihn zu nutzen.</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/finetune/evaluate_page.py" line="98" />
      <source>The Ask panel lists the adapters in {listed}; move the adapter there or change the adapters folder in the TerraScope settings to use it.</source>
      <translation>Das Fragefenster listet die Adapter in {listed}; verschieben Sie den Adapter dorthin oder ändern Sie den Adapterordner in den TerraScope-Einstellungen, um ihn zu nutzen.</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/finetune/inputs.py" line="71" />
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
      <location filename="../terrascope_plugin/finetune/questions_page.py" line="29" />
      <source>Coverage share</source>
      <translation>Bedeckungsanteil</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/finetune/questions_page.py" line="29" />
      <source>Absolute area</source>
      <translation>Absolute Fläche</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/finetune/questions_page.py" line="29" />
      <source>Distance</source>
      <translation>Abstand</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/finetune/questions_page.py" line="30" />
      <source>Area ranking</source>
      <translation>Flächenrangfolge</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/finetune/questions_page.py" line="30" />
      <source>Boundary relation</source>
      <translation>Grenzbeziehung</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/finetune/questions_page.py" line="31" />
      <source>Find this (referring segmentation)</source>
      <translation>Finde dies (referenzierende Segmentierung)</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/finetune/questions_page.py" line="39" />
      <source>What to learn</source>
      <translation>Was gelernt wird</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/finetune/questions_page.py" line="40" />
      <source>Questions are generated from your labels on the training blocks; validation questions come from the validation blocks only.</source>
      <translation>Fragen werden aus Ihren Beschriftungen auf den Trainingsblöcken erzeugt; Validierungsfragen stammen nur aus den Validierungsblöcken.</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/finetune/questions_page.py" line="43" />
      <source>Task types</source>
      <translation>Aufgabentypen</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/finetune/questions_page.py" line="62" />
      <source>Training questions</source>
      <translation>Trainingsfragen</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/finetune/questions_page.py" line="63" />
      <source>Validation questions</source>
      <translation>Validierungsfragen</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/finetune/questions_page.py" line="65" />
      <source>Preview questions</source>
      <translation>Fragen in der Vorschau</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/finetune/questions_page.py" line="99" />
      <source>Tick at least one task type.</source>
      <translation>Kreuzen Sie mindestens einen Aufgabentyp an.</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/finetune/run_page.py" line="34" />
      <source>{m} min {s} s left</source>
      <translation>noch {m} min {s} s</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/finetune/run_page.py" line="34" />
      <source>{s} s left</source>
      <translation>noch {s} s</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/finetune/run_page.py" line="42" />
      <source>Run</source>
      <translation>Ausführen</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/finetune/run_page.py" line="43" />
      <source>Training runs in the background; you can keep working in QGIS. Cancel keeps the previous adapter; start again to resume.</source>
      <translation>Das Training läuft im Hintergrund; Sie können in QGIS weiterarbeiten. Abbrechen behält den vorherigen Adapter; starten Sie erneut, um fortzusetzen.</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/finetune/run_page.py" line="49" />
      <source>Resume a cancelled run with the same settings</source>
      <translation>Einen abgebrochenen Lauf mit denselben Einstellungen fortsetzen</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/finetune/run_page.py" line="54" />
      <source>Start training</source>
      <translation>Training starten</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/finetune/run_page.py" line="56" />
      <source>Cancel training</source>
      <translation>Training abbrechen</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/finetune/run_page.py" line="91" />
      <source>{steps} steps on {base}, adapter saved to {out}.</source>
      <translation>{steps} Schritte auf {base}, Adapter gespeichert in {out}.</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/finetune/run_page.py" line="112" />
      <source>The same run from a shell: {command}</source>
      <translation>Derselbe Lauf aus einer Shell: {command}</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/finetune/run_page.py" line="121" />
      <source>Loading the base model to resume after step {step}…</source>
      <translation>Basismodell wird geladen, um nach Schritt {step} fortzusetzen…</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/finetune/run_page.py" line="124" />
      <source>Loading the base model…</source>
      <translation>Basismodell wird geladen…</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/finetune/run_page.py" line="136" />
      <source>Cancelling after the current step…</source>
      <translation>Abbruch nach dem aktuellen Schritt…</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/finetune/run_page.py" line="146" />
      <source>Done in {s:.0f} s.</source>
      <translation>Fertig in {s:.0f} s.</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/finetune/run_page.py" line="147" />
      <source>Adapter saved to {path}.</source>
      <translation>Adapter gespeichert in {path}.</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/finetune/run_page.py" line="150" />
      <source>Cancelled.</source>
      <translation>Abgebrochen.</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/finetune/run_page.py" line="151" />
      <source>Cancelled; the previous adapter is unchanged.</source>
      <translation>Abgebrochen; der vorherige Adapter ist unverändert.</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/finetune/run_page.py" line="153" />
      <source>Failed.</source>
      <translation>Fehlgeschlagen.</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/finetune/settings_page.py" line="66" />
      <source>about {n} s</source>
      <translation>etwa {n} s</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/finetune/settings_page.py" line="68" />
      <source>about {n} min</source>
      <translation>etwa {n} min</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/finetune/settings_page.py" line="69" />
      <source>about {h:.1f} h</source>
      <translation>etwa {h:.1f} h</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/finetune/settings_page.py" line="77" />
      <source>Training settings</source>
      <translation>Trainingseinstellungen</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/finetune/settings_page.py" line="78" />
      <source>LoRA adapters are small: only they, the mask decoder and the [SEG] projection are trained and saved.</source>
      <translation>LoRA-Adapter sind klein: nur sie, der Maskendecoder und die [SEG]-Projektion werden trainiert und gespeichert.</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/finetune/settings_page.py" line="84" />
      <source>embedded default model</source>
      <translation>eingebautes Standardmodell</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/finetune/settings_page.py" line="87" />
      <source>…</source>
      <translation>…</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/finetune/settings_page.py" line="90" />
      <source>Base model</source>
      <translation>Basismodell</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/finetune/settings_page.py" line="101" />
      <source>LoRA rank</source>
      <translation>LoRA-Rang</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/finetune/settings_page.py" line="102" />
      <source>LoRA alpha</source>
      <translation>LoRA-Alpha</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/finetune/settings_page.py" line="103" />
      <source>Steps</source>
      <translation>Schritte</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/finetune/settings_page.py" line="104" />
      <source>Learning rate</source>
      <translation>Lernrate</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/finetune/settings_page.py" line="105" />
      <source>Batch size</source>
      <translation>Batchgröße</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/finetune/settings_page.py" line="108" />
      <source>Automatic (GPU when present)</source>
      <translation>Automatisch (GPU, wenn vorhanden)</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/finetune/settings_page.py" line="126" />
      <source>none: start from the base model</source>
      <translation>keiner: vom Basismodell ausgehen</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/finetune/settings_page.py" line="132" />
      <source>Continue from adapter</source>
      <translation>Von Adapter fortsetzen</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/finetune/settings_page.py" line="133" />
      <source>Adapter name</source>
      <translation>Adaptername</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/finetune/settings_page.py" line="134" />
      <source>Save in folder</source>
      <translation>In Ordner speichern</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/finetune/settings_page.py" line="137" />
      <source>Estimated time</source>
      <translation>Geschätzte Dauer</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/finetune/settings_page.py" line="155" />
      <source>Base model folder</source>
      <translation>Ordner des Basismodells</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/finetune/settings_page.py" line="161" />
      <source>Adapter to continue from</source>
      <translation>Fortzusetzender Adapter</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/finetune/settings_page.py" line="167" />
      <source>Adapters folder</source>
      <translation>Adapterordner</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/finetune/settings_page.py" line="183" />
      <source>CUDA: {name}</source>
      <translation>CUDA: {name}</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/finetune/settings_page.py" line="191" />
      <source>{n} GPUs found. The wizard trains on one; to use all of them, run the command the Run page shows under accelerate launch.</source>
      <translation>{n} GPUs gefunden. Der Assistent trainiert auf einer; um alle zu nutzen, führen Sie den Befehl der Seite Ausführen mit accelerate launch aus.</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/finetune/settings_page.py" line="215" />
      <source>unknown until the data is valid</source>
      <translation>unbekannt, bis die Daten gültig sind</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/finetune/settings_page.py" line="227" />
      <source>Base model folder {path} not found; pick the folder holding config.json.</source>
      <translation>Ordner des Basismodells {path} nicht gefunden; wählen Sie den Ordner mit config.json.</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/finetune/settings_page.py" line="231" />
      <source>{path} is not an adapter folder (no adapter_config.json); pick a folder the wizard or terrascope finetune wrote, or leave the field empty.</source>
      <translation>{path} ist kein Adapterordner (keine adapter_config.json); wählen Sie einen Ordner, den der Assistent oder terrascope finetune geschrieben hat, oder lassen Sie das Feld leer.</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/finetune/settings_page.py" line="236" />
      <source>Adapter name {name!r}: use letters, digits, '-', '_' or '.' only.</source>
      <translation>Adaptername {name!r}: verwenden Sie nur Buchstaben, Ziffern, '-', '_' oder '.'.</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/finetune/settings_page.py" line="240" />
      <source>Pick the folder where the adapter is saved.</source>
      <translation>Wählen Sie den Ordner, in dem der Adapter gespeichert wird.</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/finetune/settings_page.py" line="244" />
      <source>Cannot create the adapters folder {path}: {reason}</source>
      <translation>Der Adapterordner {path} kann nicht angelegt werden: {reason}</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/finetune/settings_page.py" line="256" />
      <source>An adapter named {name} exists; it is replaced only when the new training finishes.</source>
      <translation>Ein Adapter namens {name} existiert; er wird erst ersetzt, wenn das neue Training fertig ist.</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/finetune/task.py" line="86" />
      <source>TerraScope fine-tune: {name}</source>
      <translation>TerraScope-Feintuning: {name}</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/finetune/task.py" line="116" />
      <source>Measuring the base model on the validation blocks…</source>
      <translation>Das Basismodell wird auf den Validierungsblöcken gemessen…</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/finetune/task.py" line="117" />
      <source>Training…</source>
      <translation>Training…</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/finetune/task.py" line="118" />
      <source>Measuring the fine-tuned model on the validation blocks…</source>
      <translation>Das feinabgestimmte Modell wird auf den Validierungsblöcken gemessen…</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/finetune/task.py" line="119" />
      <source>Saving the adapter…</source>
      <translation>Adapter wird gespeichert…</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/finetune/task.py" line="138" />
      <source>Out of memory: lower the batch size or pick a smaller base model.</source>
      <translation>Kein Speicher mehr frei: verringern Sie die Batchgröße oder wählen Sie ein kleineres Basismodell.</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/finetune/task.py" line="140" />
      <source>Fine-tuning failed: {reason} (details in the TerraScope log).</source>
      <translation>Das Feintuning ist fehlgeschlagen: {reason} (Einzelheiten im TerraScope-Protokoll).</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/finetune/task.py" line="151" />
      <source>Drawing example masks…</source>
      <translation>Beispielmasken werden gezeichnet…</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/finetune/task.py" line="165" />
      <source>Fine-tuning stopped unexpectedly; see the TerraScope log.</source>
      <translation>Das Feintuning wurde unerwartet beendet; siehe TerraScope-Protokoll.</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/finetune/task.py" line="173" />
      <source>Cancelled before training started; the previous adapter is unchanged.</source>
      <translation>Vor Trainingsbeginn abgebrochen; der vorherige Adapter ist unverändert.</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/finetune/wizard.py" line="38" />
      <source>Fine-tune TerraScope</source>
      <translation>TerraScope feinabstimmen</translation>
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
      <location filename="../terrascope_plugin/plugin.py" line="49" />
      <source>TerraScope settings…</source>
      <translation>TerraScope-Einstellungen…</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/plugin.py" line="94" />
      <source>An answer is still being computed: wait for it or cancel it.</source>
      <translation>Eine Antwort wird noch berechnet: warten Sie darauf oder brechen Sie sie ab.</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/plugin.py" line="100" />
      <source>Results folder {path} cannot be created: choose another in the TerraScope settings.</source>
      <translation>Der Ergebnisordner {path} kann nicht angelegt werden: wählen Sie in den TerraScope-Einstellungen einen anderen.</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/plugin.py" line="104" />
      <source>Results folder {path} is not writable: choose another in the TerraScope settings.</source>
      <translation>Der Ergebnisordner {path} ist nicht beschreibbar: wählen Sie in den TerraScope-Einstellungen einen anderen.</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/plugin.py" line="116" />
      <source>Cancelling…</source>
      <translation>Wird abgebrochen…</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/plugin.py" line="140" />
      <source>No answer layers to export: ask a question first.</source>
      <translation>Keine Antwortlayer zum Exportieren: stellen Sie zuerst eine Frage.</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/plugin.py" line="144" />
      <source>Export as GeoPackage</source>
      <translation>Als GeoPackage exportieren</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/plugin.py" line="145" />
      <source>GeoPackage (*.gpkg)</source>
      <translation>GeoPackage (*.gpkg)</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/plugin.py" line="147" />
      <source>Folder for the Shapefiles</source>
      <translation>Ordner für die Shapefiles</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/plugin.py" line="155" />
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
      <location filename="../terrascope_plugin/processing_algorithm.py" line="92" />
      <source>Answer</source>
      <translation>Antwort</translation>
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
      <location filename="../terrascope_plugin/results.py" line="91" />
      <source>The group {name} holds no step layers to export.</source>
      <translation>Die Gruppe {name} enthält keine Schrittlayer zum Exportieren.</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/results.py" line="109" />
      <source>Unknown export format {fmt}: use gpkg or shp.</source>
      <translation>Unbekanntes Exportformat {fmt}: verwenden Sie gpkg oder shp.</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/results.py" line="113" />
      <source>Could not write {target}: {error}</source>
      <translation>{target} konnte nicht geschrieben werden: {error}</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/results_panel.py" line="40" />
      <source>{area:,.0f} m²</source>
      <translation>{area:,.0f} m²</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/results_panel.py" line="44" />
      <source>under 0.1% of the area</source>
      <translation>unter 0,1 % des Gebiets</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/results_panel.py" line="45" />
      <source>{share:.1%} of the area</source>
      <translation>{share:.1%} des Gebiets</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/results_panel.py" line="47" />
      <source>confidence {c:.2f}</source>
      <translation>Konfidenz {c:.2f}</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/results_panel.py" line="52" />
      <source>no such region: the marked pixels did not change between the dates</source>
      <translation>keine solche Fläche: die markierten Pixel haben sich zwischen den Daten nicht verändert</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/results_panel.py" line="54" />
      <source>no such region: the model was unsure of its mask</source>
      <translation>keine solche Fläche: das Modell war sich seiner Maske nicht sicher</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/results_panel.py" line="56" />
      <source>no such region: the mask was too small for the model to resolve</source>
      <translation>keine solche Fläche: die Maske war zu klein, als dass das Modell sie auflösen könnte</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/results_panel.py" line="58" />
      <source>no such region: the marked pixels do not read as open water in the bands</source>
      <translation>keine solche Fläche: die markierten Pixel lesen sich in den Bändern nicht als offenes Wasser</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/results_panel.py" line="73" />
      <source>({choice}) {answer}</source>
      <translation>({choice}) {answer}</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/results_panel.py" line="81" />
      <source>step {steps} marks no region</source>
      <translation>Schritt {steps} markiert keine Fläche</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/results_panel.py" line="83" />
      <source>steps {steps} mark no region</source>
      <translation>Schritte {steps} markieren keine Fläche</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/results_panel.py" line="85" />
      <source>no option matches the measurements</source>
      <translation>keine Option passt zu den Messungen</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/results_panel.py" line="86" />
      <source>Not read from the masks: {why}; ({letter}) is the model's own reading.</source>
      <translation>Nicht aus den Masken gelesen: {why}; ({letter}) ist die eigene Lesart des Modells.</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/results_panel.py" line="104" />
      <source>Reasoning steps (click one to show its area):</source>
      <translation>Denkschritte (klicken Sie einen an, um sein Gebiet zu zeigen):</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/results_panel.py" line="111" />
      <source>Distances between steps:</source>
      <translation>Abstände zwischen den Schritten:</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/results_panel.py" line="114" />
      <source>From step</source>
      <translation>Von Schritt</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/results_panel.py" line="114" />
      <source>To step</source>
      <translation>Zu Schritt</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/results_panel.py" line="114" />
      <source>Distance (m)</source>
      <translation>Abstand (m)</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/results_panel.py" line="120" />
      <source>Export:</source>
      <translation>Exportieren:</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/results_panel.py" line="122" />
      <source>GeoPackage…</source>
      <translation>GeoPackage…</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/results_panel.py" line="123" />
      <source>Export the answer's step layers as one GeoPackage</source>
      <translation>Die Schrittlayer der Antwort als ein GeoPackage exportieren</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/results_panel.py" line="124" />
      <source>Shapefiles…</source>
      <translation>Shapefiles…</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/results_panel.py" line="125" />
      <source>Export the answer's step layers as Shapefiles, one per step</source>
      <translation>Die Schrittlayer der Antwort als Shapefiles exportieren, eines pro Schritt</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/results_panel.py" line="155" />
      <source>Chosen from the measured masks; the model's own reading was ({letter}).</source>
      <translation>Aus den gemessenen Masken gewählt; das Modell selbst las ({letter}).</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/runner.py" line="113" />
      <source>Out of memory: draw a smaller area of interest or pick a smaller model.</source>
      <translation>Kein Speicher mehr frei: zeichnen Sie ein kleineres Untersuchungsgebiet oder wählen Sie ein kleineres Modell.</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/runner.py" line="116" />
      <source>The engine process stopped unexpectedly ({reason}); details in the TerraScope log.</source>
      <translation>Der Rechenprozess wurde unerwartet beendet ({reason}); Einzelheiten im TerraScope-Protokoll.</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/runner.py" line="118" />
      <source>The engine failed: {reason} (details in the TerraScope log).</source>
      <translation>Die Berechnung ist fehlgeschlagen: {reason} (Einzelheiten im TerraScope-Protokoll).</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/settings_dialog.py" line="18" />
      <source>TerraScope settings</source>
      <translation>TerraScope-Einstellungen</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/settings_dialog.py" line="27" />
      <source>As the model says</source>
      <translation>Wie vom Modell vorgegeben</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/settings_dialog.py" line="27" />
      <source>On (steadier masks, slower)</source>
      <translation>Ein (stabilere Masken, langsamer)</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/settings_dialog.py" line="28" />
      <source>Off (faster)</source>
      <translation>Aus (schneller)</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/settings_dialog.py" line="30" />
      <source>On (boundaries follow the bands)</source>
      <translation>Ein (Grenzen folgen den Kanälen)</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/settings_dialog.py" line="31" />
      <source>Off (the model's masks as decoded)</source>
      <translation>Aus (die Masken des Modells, wie dekodiert)</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/settings_dialog.py" line="34" />
      <source>On (look-alike pixels of the scene join)</source>
      <translation>An (ähnliche Pixel der Szene kommen hinzu)</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/settings_dialog.py" line="35" />
      <source>Off (the model's masks alone)</source>
      <translation>Aus (nur die Masken des Modells)</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/settings_dialog.py" line="39" />
      <source>On (the classes' difference between the dates)</source>
      <translation>Ein (die Differenz der Klassen zwischen den Daten)</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/settings_dialog.py" line="40" />
      <source>Off (the model's change masks as decoded)</source>
      <translation>Aus (die Änderungsmasken des Modells, wie dekodiert)</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/settings_dialog.py" line="44" />
      <source>On (the land-cover head's labels join)</source>
      <translation>An (die Beschriftung des Landbedeckungskopfs fließt ein)</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/settings_dialog.py" line="45" />
      <source>Off (the model's class masks alone)</source>
      <translation>Aus (nur die Klassenmasken des Modells)</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/settings_dialog.py" line="49" />
      <source>On (flood water the index marks joins)</source>
      <translation>Ein (Flutwasser, das der Index anzeigt, kommt hinzu)</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/settings_dialog.py" line="49" />
      <source>Off (the model's water masks alone)</source>
      <translation>Aus (nur die Wassermasken des Modells)</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/settings_dialog.py" line="59" />
      <source>Masks averaged over image flips</source>
      <translation>Masken über gespiegelte Bilder mitteln</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/settings_dialog.py" line="60" />
      <source>Mask boundaries on band edges</source>
      <translation>Maskengrenzen an Kanalkanten</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/settings_dialog.py" line="61" />
      <source>Class masks learn the scene's signature</source>
      <translation>Klassenmasken lernen die Signatur der Szene</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/settings_dialog.py" line="62" />
      <source>Change steps from the classes of both dates</source>
      <translation>Änderungsschritte aus den Klassen beider Daten</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/settings_dialog.py" line="63" />
      <source>Class masks follow the land-cover head</source>
      <translation>Klassenmasken folgen dem Landbedeckungskopf</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/settings_dialog.py" line="64" />
      <source>Water masks follow the water index (NDWI)</source>
      <translation>Wassermasken folgen dem Wasserindex (NDWI)</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/settings_dialog.py" line="65" />
      <source>Tile size</source>
      <translation>Kachelgröße</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/settings_dialog.py" line="66" />
      <source>Results folder (empty: beside the project)</source>
      <translation>Ergebnisordner (leer: neben dem Projekt)</translation>
    </message>
    <message>
      <location filename="../terrascope_plugin/settings_dialog.py" line="67" />
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
