export default definePageConfig({ navigationBarTitleText: '签收回访' })
