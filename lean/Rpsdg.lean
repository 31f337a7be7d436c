-- Root of the rpsdg support library (the default target of this package).
import Rpsdg.Basic
