"""Processing algorithm "Ask TerraScope" (``terrascope:ask``): the dock's question as a toolbox, batch and
modeler step, through the same engine call (:func:`runner.run_ask`)."""
from __future__ import annotations

from qgis.core import (
    QgsCoordinateTransform,
    QgsGeometry,
    QgsProcessing,
    QgsProcessingAlgorithm,
    QgsProcessingContext,
    QgsProcessingException,
    QgsProcessingOutputMultipleLayers,
    QgsProcessingOutputNumber,
    QgsProcessingOutputString,
    QgsProcessingParameterDefinition,
    QgsProcessingParameterEnum,
    QgsProcessingParameterExtent,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterFile,
    QgsProcessingParameterFileDestination,
    QgsProcessingParameterMultipleLayers,
    QgsProcessingParameterNumber,
    QgsProcessingParameterRasterLayer,
    QgsProcessingParameterString,
)

from .aoi import check_inside
from .i18n import tr
from .layer_sources import RequestError, check_overlap, raster_input
from .request import AskRequest, ModelChoice
from .results import step_layer_name
from .runner import Canceled, Failed, run_ask
from .settings import DEFAULT_TILE_SIZE, DEVICES


class AskAlgorithm(QgsProcessingAlgorithm):
    OPTICAL, SAR, DATES = "OPTICAL", "SAR", "DATES"
    AOI, EXTENT, QUESTION = "AOI", "EXTENT", "QUESTION"
    MODEL_DIR, ADAPTER, MODEL_NAME, DEVICE, TILE_SIZE = "MODEL_DIR", "ADAPTER", "MODEL_NAME", "DEVICE", "TILE_SIZE"
    OUTPUT, ANSWER, CHOICE, STEP_LAYERS, STEP_COUNT = "OUTPUT", "ANSWER", "CHOICE", "STEP_LAYERS", "STEP_COUNT"

    def name(self) -> str:
        return "ask"

    def displayName(self) -> str:
        return tr("Ask TerraScope")

    def group(self) -> str:
        return tr("Reasoning")

    def groupId(self) -> str:
        return "reasoning"

    def shortHelpString(self) -> str:
        return tr("Answers a question about optical, SAR or dated rasters with the TerraScope model. Every "
                  "reasoning step that refers to a region becomes a polygon layer (fields step, label, date, "
                  "area_m2, perimeter_m, share, confidence) in the output GeoPackage. The area of interest is a "
                  "polygon layer, else an extent, else the whole reference raster.")

    def createInstance(self):
        return AskAlgorithm()

    def initAlgorithm(self, config=None):
        self.addParameter(QgsProcessingParameterRasterLayer(self.OPTICAL, tr("Optical raster"), optional=True))
        self.addParameter(QgsProcessingParameterRasterLayer(self.SAR, tr("SAR raster"), optional=True))
        self.addParameter(QgsProcessingParameterMultipleLayers(
            self.DATES, tr("Dated rasters, earliest first (instead of optical/SAR)"), QgsProcessing.TypeRaster,
            optional=True))
        self.addParameter(QgsProcessingParameterFeatureSource(
            self.AOI, tr("Area of interest (polygons)"), [QgsProcessing.TypeVectorPolygon], optional=True))
        self.addParameter(QgsProcessingParameterExtent(self.EXTENT, tr("Area of interest (extent)"),
                                                       optional=True))
        self.addParameter(QgsProcessingParameterString(self.QUESTION, tr("Question")))
        self.addParameter(QgsProcessingParameterFile(
            self.MODEL_DIR, tr("Model folder (empty: embedded default)"), QgsProcessingParameterFile.Folder,
            optional=True))
        self.addParameter(QgsProcessingParameterFile(
            self.ADAPTER, tr("Fine-tuned adapter folder"), QgsProcessingParameterFile.Folder, optional=True))
        self.addParameter(QgsProcessingParameterEnum(
            self.DEVICE, tr("Device"), [tr("Automatic"), tr("CPU"), tr("CUDA")], defaultValue=0))
        advanced = [
            QgsProcessingParameterString(self.MODEL_NAME, tr("Registered model size instead of a folder"),
                                         optional=True),
            QgsProcessingParameterNumber(self.TILE_SIZE, tr("Tile size (pixels)"), QgsProcessingParameterNumber.Integer,
                                         DEFAULT_TILE_SIZE, minValue=64, maxValue=8192),
        ]
        for param in advanced:
            param.setFlags(param.flags() | QgsProcessingParameterDefinition.FlagAdvanced)
            self.addParameter(param)
        self.addParameter(QgsProcessingParameterFileDestination(
            self.OUTPUT, tr("Step layers"), tr("GeoPackage (*.gpkg)")))
        self.addOutput(QgsProcessingOutputString(self.ANSWER, tr("Answer")))
        self.addOutput(QgsProcessingOutputString(self.CHOICE, tr("Chosen option")))
        self.addOutput(QgsProcessingOutputMultipleLayers(self.STEP_LAYERS, tr("Step layers")))
        self.addOutput(QgsProcessingOutputNumber(self.STEP_COUNT, tr("Number of grounded steps")))

    def _request(self, parameters, context, output: str) -> AskRequest:
        optical = self.parameterAsRasterLayer(parameters, self.OPTICAL, context)
        sar = self.parameterAsRasterLayer(parameters, self.SAR, context)
        dated = self.parameterAsLayerList(parameters, self.DATES, context) or []
        question = (self.parameterAsString(parameters, self.QUESTION, context) or "").strip()
        if not question:
            raise RequestError(tr("Type a question first (or pick an example from the list)."))
        if dated and (optical or sar):
            raise RequestError(tr("Use either the optical/SAR pickers or the dated layers, not both: set the "
                                  "pickers to none or clear the dated list."))
        layers = [lyr for lyr in (optical, sar) if lyr] or list(dated)
        if not layers:
            raise RequestError(tr("Pick an optical or a SAR layer (or add dated layers) first."))
        check_overlap(layers)
        reference = layers[0]
        geom = None
        source = self.parameterAsSource(parameters, self.AOI, context)
        if source is not None:
            geoms = [f.geometry() for f in source.getFeatures() if f.hasGeometry()]
            if not geoms:
                raise RequestError(tr("The area-of-interest layer has no polygons."))
            geom = QgsGeometry.unaryUnion(geoms)
            if source.sourceCrs() != reference.crs():
                geom.transform(QgsCoordinateTransform(source.sourceCrs(), reference.crs(), context.project()))
        elif parameters.get(self.EXTENT):
            geom = self.parameterAsExtentGeometry(parameters, self.EXTENT, context, reference.crs())
        check_inside(geom, reference)
        model_dir = self.parameterAsFile(parameters, self.MODEL_DIR, context) or None
        adapter = self.parameterAsFile(parameters, self.ADAPTER, context) or None
        model_name = self.parameterAsString(parameters, self.MODEL_NAME, context) or None
        temporary: list[str] = []
        return AskRequest(
            question=question,
            optical=raster_input(optical, temporary=temporary) if optical else None,
            sar=raster_input(sar, temporary=temporary) if sar else None,
            dates=tuple(raster_input(lyr, date=f"t{i + 1}", temporary=temporary) for i, lyr in enumerate(dated)),
            crs=reference.crs().authid(),
            aoi_wkt=geom.asWkt() if geom is not None else None,
            aoi_crs=reference.crs().authid() if geom is not None else None,
            model=ModelChoice(model_dir=model_dir, model_name=model_name, adapter=adapter),
            device=DEVICES[self.parameterAsEnum(parameters, self.DEVICE, context)],
            results_dir="", tile_size=self.parameterAsInt(parameters, self.TILE_SIZE, context),
            temporary_files=tuple(temporary))

    def processAlgorithm(self, parameters, context, feedback):
        output = self.parameterAsFileOutput(parameters, self.OUTPUT, context)
        try:
            request = self._request(parameters, context, output)
        except RequestError as err:
            raise QgsProcessingException(str(err))

        def progress(fraction: float, message: str = "") -> None:
            feedback.setProgress(100.0 * max(0.0, min(1.0, float(fraction))))
            if message:
                feedback.setProgressText(message)

        outcome = run_ask(request, output, progress=progress, cancelled=feedback.isCanceled, overwrite=True)
        if isinstance(outcome, Failed):
            if outcome.details:
                feedback.pushDebugInfo(outcome.details)
            raise QgsProcessingException(outcome.message)
        if isinstance(outcome, Canceled):
            feedback.reportError(tr("Cancelled; nothing was written."))
            return {}
        uris = []
        for step in outcome.steps:
            if not step.layer:
                continue
            uri = f"{outcome.gpkg_path}|layername={step.layer}"
            uris.append(uri)
            details = QgsProcessingContext.LayerDetails(step_layer_name(step), context.project(), self.OUTPUT)
            context.addLayerToLoadOnCompletion(uri, details)
        feedback.pushInfo(tr("Answer: {answer}").format(answer=outcome.answer))
        for step in outcome.steps:
            feedback.pushInfo(f"{step.index}. {step.text}")
        return {self.OUTPUT: outcome.gpkg_path, self.ANSWER: outcome.answer, self.CHOICE: outcome.choice or "",
                self.STEP_LAYERS: uris, self.STEP_COUNT: len(uris)}
