import { CareScreen } from './CareScreen'

/** 签收回访 (issue 24): opened from the subscription message `pages/care/index?orderId=…`. */
export default function CarePage() {
  return <CareScreen />
}
