"""``LossCurve``: a small widget that paints the training loss as a polyline (no chart module needed)."""
from __future__ import annotations

import math

from qgis.PyQt.QtCore import QPointF, QSize, Qt
from qgis.PyQt.QtGui import QColor, QPainter, QPen, QPolygonF
from qgis.PyQt.QtWidgets import QSizePolicy, QWidget

from ..i18n import tr


class LossCurve(QWidget):
    """Points ``(step, loss)`` drawn against steps ``0..total``; the y range follows the data."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.points: list[tuple[int, float]] = []
        self.total = 1
        self.setMinimumSize(QSize(240, 120))
        self.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Expanding)

    def clear(self, total: int = 1) -> None:
        self.points = []
        self.total = max(1, int(total))
        self.update()

    def add_point(self, step: int, loss: float) -> None:
        """Append one measurement; non-finite losses are skipped (they would flatten the scale)."""
        if not math.isfinite(float(loss)):
            return
        self.points = [p for p in self.points if p[0] < step] + [(int(step), float(loss))]
        self.update()

    def polygon(self, width: int, height: int, margin: int = 6) -> QPolygonF:
        """The curve in widget pixels for a ``width`` x ``height`` area (y grows downwards)."""
        poly = QPolygonF()
        if not self.points:
            return poly
        losses = [v for _, v in self.points]
        lo, hi = min(losses), max(losses)
        span = (hi - lo) or max(abs(hi), 1.0)
        w, h = max(1, width - 2 * margin), max(1, height - 2 * margin)
        for step, v in self.points:
            x = margin + w * min(step, self.total) / self.total
            y = margin + h * (1.0 - (v - lo) / span)
            poly.append(QPointF(x, y))
        return poly

    def paintEvent(self, event) -> None:  # noqa: N802 - Qt name
        p = QPainter(self)
        p.setRenderHint(QPainter.Antialiasing)
        p.fillRect(self.rect(), self.palette().base())
        p.setPen(QPen(self.palette().mid().color()))
        p.drawRect(self.rect().adjusted(0, 0, -1, -1))
        if not self.points:
            p.setPen(QPen(self.palette().text().color()))
            p.drawText(self.rect(), Qt.AlignCenter, tr("The loss curve appears when training starts."))
            return
        p.setPen(QPen(QColor(31, 119, 180), 2))
        poly = self.polygon(self.width(), self.height())
        if poly.size() == 1:
            p.drawEllipse(poly.at(0), 2, 2)
        else:
            p.drawPolyline(poly)
        p.setPen(QPen(self.palette().text().color()))
        last_step, last = self.points[-1]
        p.drawText(self.rect().adjusted(8, 4, -8, -4), Qt.AlignTop | Qt.AlignRight,
                   tr("loss {loss:.3f} at step {step}").format(loss=last, step=last_step))
